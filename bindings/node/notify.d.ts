// Types of the package entry point (notify.js). The result types are generated from the Rust
// structs by `napi build` (index.d.ts) and re-exported here.
import type { Coupon, PaymentNotification, RefundNotification } from './index'

export type { Coupon, PaymentNotification, RefundNotification }

/** The stable error codes (SPEC §3), the same in every binding. */
export type ErrorCode =
  | 'invalid_config'
  | 'invalid_argument'
  | 'body_too_large'
  | 'malformed_xml'
  | 'forbidden_doctype'
  | 'duplicate_field'
  | 'missing_field'
  | 'return_code_fail'
  | 'missing_signature'
  | 'sign_type_mismatch'
  | 'signature_mismatch'
  | 'merchant_mismatch'
  | 'decrypt_failed'
  | 'malformed_json'
  | 'missing_header'
  | 'unsupported_algorithm'
  | 'unknown_serial'
  | 'signature_probe'
  | 'timestamp_out_of_window'
  | 'internal'

/** Every error code, in the core's order (8201..8220 in the C ABI). */
export declare const CODES: readonly ErrorCode[]

/**
 * A rejected notification (`signature_mismatch`, `malformed_xml`, ...), an unusable
 * configuration (`invalid_config`) or an argument of the right type that the core refuses
 * (`invalid_argument`). An argument of the wrong type is a `TypeError` instead. Messages never
 * contain the API key or the expected signature, are at most 200 characters and hold no control
 * or line-breaking character.
 */
export declare class NotifyError extends Error {
  constructor(code: ErrorCode, message: string)
  readonly name: 'NotifyError'
  /** The SPEC §3 code. */
  readonly code: ErrorCode
}

/** A v2 signature algorithm. */
export type SignType = 'MD5' | 'HMAC-SHA256'

/** The raw POST body: bytes exactly as received (preferred), or a string sent as UTF-8. */
export type Body = Buffer | Uint8Array | string

/**
 * An amount in fen: a `number` up to `Number.MAX_SAFE_INTEGER`, a `bigint` beyond it (never a
 * rounded value), `null` when absent or not all digits (see `fields` for the text).
 */
export type Amount = number | bigint | null

/** Every child element exactly as received (`sign` and empty elements included), by name. */
export type Fields = Record<string, string>

/** Every child element as `[name, value]` pairs in exact document order. */
export type FieldList = Array<[name: string, value: string]>

export interface VerifierOptions {
  /** The v2 API key: 32 printable ASCII characters. */
  apiKey: string
  /** The merchant's configured algorithm: never taken from the message. */
  signType: SignType
  /** When set, the notification's `appid` must equal it (`merchant_mismatch`). */
  appid?: string | null
  /** When set, the notification's `mch_id` must equal it (`merchant_mismatch`). */
  mchId?: string | null
  /** Explicit opt-in to further algorithms (for a migration). */
  alsoAccept?: readonly SignType[] | null
  /** Bodies longer than this many bytes are rejected before parsing (default 65536). */
  maxBodyBytes?: number | null
}

/** Verifies v2 payment notifications and decrypts v2 refund notifications for one merchant key. */
export declare class Verifier {
  /**
   * @throws {NotifyError} `invalid_config` when the options are unusable.
   * @throws {TypeError} when an option has the wrong type.
   */
  constructor(options: VerifierOptions)
  /**
   * Verifies a payment result notification (the raw POST body).
   * @throws {NotifyError} when the notification is rejected.
   * @throws {TypeError} when `body` is not a Buffer, a Uint8Array or a string.
   */
  verifyPayment(body: Body): PaymentNotification
  /**
   * Decrypts and checks a refund result notification (the raw POST body).
   *
   * req_info is AES-256-ECB without integrity: blocks of two genuine refund notifications of the
   * same merchant can be cut and pasted into a third that passes every check. Treat a refund
   * notification as a hint: confirm it with the refund query API before any irreversible action.
   * @throws {NotifyError} when the notification is rejected.
   * @throws {TypeError} when `body` is not a Buffer, a Uint8Array or a string.
   */
  decryptRefund(body: Body): RefundNotification
}

/**
 * Signs fields the way WeChat Pay does (`sign` and empty values are skipped): uppercase hex.
 * @throws {NotifyError} `invalid_argument` for a repeated name or a name a notification could not
 * carry, `invalid_config` for a bad key or algorithm.
 * @throws {TypeError} when an argument has the wrong type.
 */
export declare function sign(
  fields: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>,
  apiKey: string,
  signType: SignType,
): string

/** The exact SUCCESS reply: acknowledge every verified notification (also `result_code=FAIL`). */
export declare function replySuccess(): string

/**
 * A FAIL reply carrying `msg` (WeChat Pay will retry); safe for any message.
 * @throws {TypeError} when `msg` is not a string.
 */
export declare function replyFail(msg: string): string

/** The version of the package and of the Rust core behind it. */
export declare const version: string

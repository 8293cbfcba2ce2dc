// Types of the package entry point (notify.js). The generated index.d.ts types the raw addon.

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

/** Every error code, in numeric order (7001..7020 in the C ABI). */
export declare const CODES: readonly ErrorCode[]

/**
 * A rejected notification (`signature_mismatch`, `malformed_xml`, ...), an unusable
 * configuration (`invalid_config`) or a misuse (`invalid_argument`). Messages never contain the
 * API key or the expected signature.
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
 * rounded value), `null` when absent or not a non-negative integer (see `fields` for the text).
 */
export type Amount = number | bigint | null

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

/**
 * Every child element exactly as received (`sign` and empty elements included), by name.
 * Keys follow document order except that JS lists integer-like names (`"10"`) first: use
 * `fieldList` when the exact order matters.
 */
export type Fields = Record<string, string>

/** Every child element as `[name, value]` pairs in exact document order. */
export type FieldList = Array<[name: string, value: string]>

/** One coupon applied to a payment (`coupon_{id,type,fee}_$n`). */
export interface Coupon {
  id: string
  couponType: string | null
  fee: Amount
}

/** A verified v2 payment result notification. */
export interface PaymentNotification {
  fields: Fields
  fieldList: FieldList
  /** The algorithm the signature verified with. */
  signType: SignType
  /** `return_code` and `result_code` are both `SUCCESS`: the payment succeeded. */
  isSuccess: boolean
  /** The idempotency key: `transaction_id`. */
  dedupeKey: string | null
  appid: string | null
  mchId: string | null
  subAppid: string | null
  subMchId: string | null
  deviceInfo: string | null
  nonceStr: string | null
  resultCode: string | null
  errCode: string | null
  errCodeDes: string | null
  openid: string | null
  isSubscribe: string | null
  tradeType: string | null
  bankType: string | null
  feeType: string | null
  cashFeeType: string | null
  transactionId: string | null
  outTradeNo: string | null
  attach: string | null
  timeEnd: string | null
  totalFee: Amount
  settlementTotalFee: Amount
  cashFee: Amount
  couponFee: Amount
  couponCount: Amount
  coupons: Coupon[]
}

/** A decrypted v2 refund result notification. */
export interface RefundNotification {
  /** The outer document (`req_info` still encrypted). */
  fields: Fields
  fieldList: FieldList
  /** The decrypted `req_info` document. */
  reqInfo: Fields
  reqInfoList: FieldList
  /** `refund_status` is `SUCCESS`. */
  isSuccess: boolean
  /** The idempotency key: `refund_id`. */
  dedupeKey: string | null
  appid: string | null
  mchId: string | null
  transactionId: string | null
  outTradeNo: string | null
  refundId: string | null
  outRefundNo: string | null
  refundStatus: string | null
  successTime: string | null
  refundRecvAccout: string | null
  refundAccount: string | null
  refundRequestSource: string | null
  totalFee: Amount
  refundFee: Amount
  settlementTotalFee: Amount
  settlementRefundFee: Amount
}

/** Verifies v2 payment notifications and decrypts v2 refund notifications for one merchant key. */
export declare class Verifier {
  /** @throws {NotifyError} `invalid_config` when the options are unusable. */
  constructor(options: VerifierOptions)
  /** @throws {NotifyError} when the notification is rejected. */
  verifyPayment(body: Body): PaymentNotification
  /** @throws {NotifyError} when the notification is rejected. */
  decryptRefund(body: Body): RefundNotification
}

/**
 * Signs fields the way WeChat Pay does (`sign` and empty values are skipped): uppercase hex.
 * @throws {NotifyError} `invalid_argument` for a repeated name, `invalid_config` for a bad key.
 */
export declare function sign(
  fields: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>,
  apiKey: string,
  signType: SignType,
): string

/** The exact SUCCESS reply: acknowledge every verified notification (also `result_code=FAIL`). */
export declare function replySuccess(): string

/** A FAIL reply carrying `msg` (WeChat Pay will retry); safe for any message. */
export declare function replyFail(msg: string): string

/** The version of the package and of the Rust core behind it. */
export declare const version: string

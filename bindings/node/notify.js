'use strict'
// The package's entry point: a thin layer over the generated napi-rs binding (index.js). The addon
// does all the work: it converts the arguments (napi-rs's conversions are the type checks), calls
// the Rust core and builds the plain result objects. This file only gives the addon's errors
// their JS classes, in `fromNative`.

const native = require('./index.js')

/** The stable error codes (SPEC §3), from the core. */
const CODES = Object.freeze(native.errorCodes())
const KNOWN_CODES = new Set(CODES)

/** A rejected notification, an unusable configuration or a refused argument; `code` is a SPEC §3 string. */
class NotifyError extends Error {
  constructor(code, message) {
    super(message)
    this.name = 'NotifyError'
    this.code = code
  }
}

// The statuses napi-rs gives an argument it cannot convert to the Rust parameter's type (the
// addon raises `InvalidArg` too for the few shapes it checks after conversion).
const CONVERSION_FAILURES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
])

// An error from the addon in its JS class: a SPEC §3 code -> NotifyError; a failed argument
// conversion -> TypeError (the misuse rule: a wrong argument type is the language's type error);
// a panic caught at the boundary (napi-rs: `GenericFailure`) -> NotifyError `internal`. Anything
// else (an exception thrown by the caller's own getters during conversion) passes unchanged.
function fromNative(err) {
  if (err instanceof Error && !(err instanceof NotifyError)) {
    if (KNOWN_CODES.has(err.code)) return new NotifyError(err.code, err.message)
    if (CONVERSION_FAILURES.has(err.code)) return new TypeError(err.message)
    if (err.code === 'GenericFailure') return new NotifyError('internal', err.message)
  }
  return err
}

// napi-rs's conversion messages quote the value they could not convert; an API key must never
// appear in a message, so its type is checked before it reaches the addon.
function checkKeyType(apiKey, what) {
  if (typeof apiKey !== 'string') throw new TypeError(`${what} must be a string, got ${apiKey === null ? 'null' : typeof apiKey}`)
}

/** Verifies v2 payment notifications and decrypts v2 refund notifications for one merchant key. */
class Verifier {
  #native

  constructor(options) {
    if (options !== null && typeof options === 'object') checkKeyType(options.apiKey, 'options.apiKey')
    try {
      this.#native = new native.NativeVerifier(options)
    } catch (err) {
      throw fromNative(err)
    }
  }

  /** Verifies a payment result notification (the raw POST body). */
  verifyPayment(body) {
    const inner = this.#native // a TypeError when called on anything but a Verifier
    try {
      return inner.verifyPayment(body)
    } catch (err) {
      throw fromNative(err)
    }
  }

  /**
   * Decrypts and checks a refund result notification (the raw POST body). req_info is
   * AES-256-ECB without integrity: treat the result as a hint and confirm it with the refund query
   * API before any irreversible action.
   */
  decryptRefund(body) {
    const inner = this.#native
    try {
      return inner.decryptRefund(body)
    } catch (err) {
      throw fromNative(err)
    }
  }

  get [Symbol.toStringTag]() {
    return 'Verifier'
  }
}

/** Signs fields the way WeChat Pay does: `sign` and empty values are skipped; uppercase hex. */
function sign(fields, apiKey, signType) {
  checkKeyType(apiKey, 'apiKey')
  try {
    return native.nativeSign(fields, apiKey, signType)
  } catch (err) {
    throw fromNative(err)
  }
}

/** The exact SUCCESS reply (acknowledge every verified notification, also result_code=FAIL ones). */
function replySuccess() {
  return native.replySuccess()
}

/** A FAIL reply carrying `msg` (WeChat Pay will retry); safe for any message. */
function replyFail(msg) {
  try {
    return native.replyFail(msg)
  } catch (err) {
    throw fromNative(err)
  }
}

module.exports = {
  Verifier,
  NotifyError,
  CODES,
  sign,
  replySuccess,
  replyFail,
  version: native.nativeVersion(),
}

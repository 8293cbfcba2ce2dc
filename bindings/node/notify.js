'use strict'
// The package's entry point: a thin layer over the generated napi-rs binding (index.js). The addon
// does the work: it converts the arguments (napi-rs's conversions are the type checks), calls the
// Rust core and builds the plain result objects. This file gives the addon's errors their JS
// classes (`fromNative`) and adds the two views plain JS builds best, on the addon's objects:
// `fieldList` = `Object.entries(fields)` (exact document order: element names are XML names, never
// array indices) and the APIv3 `resource` = `JSON.parse(plaintext)`.

const native = require('./index.js')

/** The stable error codes (SPEC §3), from the core. */
const CODES = Object.freeze(native.errorCodes())
const KNOWN_CODES = new Set(CODES)

/**
 * A rejected notification, an unusable configuration or a refused argument; `code` is a SPEC §3
 * string. Raised by `Endpoint#handle`, it also carries `version`, `label` and `reply`.
 */
class NotifyError extends Error {
  constructor(code, message, details) {
    super(message)
    this.name = 'NotifyError'
    this.code = code
    if (details !== undefined) {
      this.version = details.version
      this.label = details.label
      this.reply = details.reply
    }
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

const isObject = (value) => value !== null && typeof value === 'object'

// Options as the addon reads them: napi-rs takes an absent option as `undefined` only, while the
// types also allow `null` for "not set". Other values pass unchanged (the addon checks them).
function withoutNulls(options) {
  if (!isObject(options) || Array.isArray(options)) return options
  const copy = {}
  for (const [name, value] of Object.entries(options)) if (value !== null) copy[name] = value
  return copy
}

function endpointOptions(options) {
  if (!isObject(options) || !Array.isArray(options.profiles)) return options
  const profiles = options.profiles.map((profile) => {
    if (!isObject(profile)) return profile
    const copy = withoutNulls(profile)
    if (isObject(copy.v2)) copy.v2 = withoutNulls(copy.v2)
    if (isObject(copy.v3)) copy.v3 = withoutNulls(copy.v3)
    return copy
  })
  return { ...withoutNulls(options), profiles }
}

// A typed property whose value is an error (an amount present in another form than a
// non-negative integer: SPEC §2, never "absent") comes from the addon as `null` in its place, and
// the result lists it under `typedErrors` as [object, name, code, message] (object: the result or
// one of its views). Each becomes an enumerable accessor, in the same place, whose getter throws
// a NotifyError with that code (a new one on every read); the list is removed.
function typedErrors(n) {
  const list = n.typedErrors
  if (list === undefined) return
  delete n.typedErrors
  for (const [owner, name, code, message] of list) {
    Object.defineProperty(owner, name, {
      get() {
        throw new NotifyError(code, message)
      },
      enumerable: true,
      configurable: true,
    })
  }
}

// The views added to the addon's result objects, by kind.
function paymentResult(n) {
  n.fieldList = Object.entries(n.fields)
  typedErrors(n)
  return n
}

function refundResult(n) {
  n.fieldList = Object.entries(n.fields)
  n.reqInfoList = Object.entries(n.reqInfo)
  typedErrors(n)
  return n
}

function v3Result(n) {
  n.resource = JSON.parse(n.plaintext)
  typedErrors(n)
  return n
}

const RESULT_BY_KIND = { v2_payment: paymentResult, v2_refund: refundResult, v3: v3Result }

/** Verifies v2 payment notifications and decrypts v2 refund notifications for one merchant key. */
class Verifier {
  #native

  constructor(options) {
    if (isObject(options)) checkKeyType(options.apiKey, 'options.apiKey')
    try {
      this.#native = new native.NativeVerifier(withoutNulls(options))
    } catch (err) {
      throw fromNative(err)
    }
  }

  /** Verifies a payment result notification (the raw POST body). */
  verifyPayment(body) {
    const inner = this.#native // a TypeError when called on anything but a Verifier
    let n
    try {
      n = inner.verifyPayment(body)
    } catch (err) {
      throw fromNative(err)
    }
    return paymentResult(n)
  }

  /**
   * Decrypts and checks a refund result notification (the raw POST body). req_info is
   * AES-256-ECB without integrity: treat the result as a hint and confirm it with the refund query
   * API before any irreversible action.
   */
  decryptRefund(body) {
    const inner = this.#native
    let n
    try {
      n = inner.decryptRefund(body)
    } catch (err) {
      throw fromNative(err)
    }
    return refundResult(n)
  }

  get [Symbol.toStringTag]() {
    return 'Verifier'
  }
}

/** Verifies APIv3 notifications for one merchant: its APIv3 key and the WeChat Pay keys it trusts. */
class V3Verifier {
  #native

  constructor(options) {
    if (isObject(options)) checkKeyType(options.apiV3Key, 'options.apiV3Key')
    try {
      this.#native = new native.NativeV3Verifier(withoutNulls(options))
    } catch (err) {
      throw fromNative(err)
    }
  }

  /** Verifies a notification: the request headers, the raw POST body, `{ now }` (Unix seconds; default the clock). */
  verify(headers, body, options) {
    const inner = this.#native
    let n
    try {
      n = inner.verify(headers, body, withoutNulls(options))
    } catch (err) {
      throw fromNative(err)
    }
    return v3Result(n)
  }

  /** True when a key of this id (as `Wechatpay-Serial` names it) is trusted. */
  trusts(id) {
    const inner = this.#native
    try {
      return inner.trusts(id)
    } catch (err) {
      throw fromNative(err)
    }
  }

  /** The trusted key ids, as configured (certificates by their uppercase hex serial). */
  trustedKeyIds() {
    return this.#native.trustedKeyIds()
  }

  /** The merchant ids this verifier serves (`mchIds`), in order: a new array; empty = any merchant. */
  get mchIds() {
    return this.#native.expectedMchIds()
  }

  get [Symbol.toStringTag]() {
    return 'V3Verifier'
  }
}

// Lets `Endpoint.fromProfilesFile` hand the constructor an addon endpoint (module-private).
const FROM_NATIVE = Symbol('native endpoint')

/** One notify_url for many merchants and both API versions. */
class Endpoint {
  #native

  constructor(options, inner) {
    if (options === FROM_NATIVE) {
      this.#native = inner
      return
    }
    if (isObject(options) && Array.isArray(options.profiles)) {
      for (const [i, profile] of options.profiles.entries()) {
        if (!isObject(profile)) continue
        if (isObject(profile.v2)) checkKeyType(profile.v2.apiKey, `options.profiles[${i}].v2.apiKey`)
        if (isObject(profile.v3)) checkKeyType(profile.v3.apiV3Key, `options.profiles[${i}].v3.apiV3Key`)
      }
    }
    try {
      this.#native = new native.NativeEndpoint(endpointOptions(options))
    } catch (err) {
      throw fromNative(err)
    }
  }

  /**
   * Decides the version and the merchant of a request and verifies it with that merchant's
   * verifier. A refusal is a NotifyError with `code`, `version`, `label` and `reply`.
   */
  handle(headers, body, options) {
    const inner = this.#native
    let out
    try {
      out = inner.handle(headers, body, withoutNulls(options))
    } catch (err) {
      throw fromNative(err)
    }
    if (typeof out.code === 'string') throw new NotifyError(out.code, out.message, out)
    RESULT_BY_KIND[out.kind](out.notification)
    return out
  }

  /**
   * Reads an endpoint profiles file (the JSON of `wechatpay-notify verify-any --profiles`) with
   * the core's loader: its rules and its refusals (NotifyError `invalid_config`).
   */
  static fromProfilesFile(path) {
    try {
      return new Endpoint(FROM_NATIVE, native.NativeEndpoint.fromProfilesFile(path))
    } catch (err) {
      throw fromNative(err)
    }
  }

  /** The profiles' labels, in order. */
  labels() {
    return this.#native.labels()
  }

  get [Symbol.toStringTag]() {
    return 'Endpoint'
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

/**
 * The v2 refusal reply: FAIL with the one constant message of every refusal (`rejected`); the
 * code stays on the error for your logs (a reply naming it would tell anyone why, SPEC §2).
 */
function replyRefusal() {
  return native.replyRefusal()
}

/** The APIv3 success reply: `{ status: 204, contentType: null, body: '' }` (WeChat Pay also accepts 200). */
function replyV3Success() {
  return native.replyV3Success()
}

/**
 * The APIv3 failure reply for a NotifyError (or its code): 401 when the request is not authentic,
 * 400 when it is malformed or uses an unsupported algorithm, 500 for `invalid_config`/`internal`;
 * the body is always `{"code":"FAIL","message":"rejected"}` (the code stays on the error). Any
 * other Error (a bug, a database failure) gets the `internal` reply (500), so WeChat Pay retries.
 */
function replyV3Fail(err) {
  let code
  if (typeof err === 'string') code = err
  else if (err instanceof Error) code = KNOWN_CODES.has(err.code) ? err.code : 'internal'
  else throw new TypeError(`replyV3Fail expects a NotifyError, an Error or an error code, got ${err === null ? 'null' : typeof err}`)
  try {
    return native.replyV3Fail(code)
  } catch (e) {
    throw fromNative(e)
  }
}

/** The API version of a request, as `Endpoint#handle` decides it: `'v3'` with a Wechatpay-Signature header, else `'v2'`. */
function apiVersionOf(headers) {
  try {
    return native.apiVersionOf(headers)
  } catch (err) {
    throw fromNative(err)
  }
}

/**
 * The reply when your own code fails (before or after verification): 500 with the constant
 * refusal of the request's version, so that WeChat Pay retries. After `Endpoint#handle`, the
 * result's `internalErrorReply` is the same.
 */
function internalErrorReply(headers) {
  try {
    return native.internalErrorReply(headers)
  } catch (err) {
    throw fromNative(err)
  }
}

module.exports = {
  Verifier,
  V3Verifier,
  Endpoint,
  NotifyError,
  CODES,
  sign,
  replySuccess,
  replyFail,
  replyRefusal,
  replyV3Success,
  replyV3Fail,
  apiVersionOf,
  internalErrorReply,
  version: native.nativeVersion(),
}

'use strict'
// The package's entry point: a thin layer over the generated napi-rs binding (index.js).
// It checks JS argument types (so misuse gives a clear NotifyError, never a crash), builds plain
// result objects from the native transport (see src/wire.rs), and re-throws every native error as
// a NotifyError carrying the SPEC §3 code. Every protocol rule stays in the Rust core.

const native = require('./index.js')

/** The stable error codes (SPEC §3). */
const CODES = Object.freeze([
  'invalid_config',
  'invalid_argument',
  'body_too_large',
  'malformed_xml',
  'forbidden_doctype',
  'duplicate_field',
  'missing_field',
  'return_code_fail',
  'missing_signature',
  'sign_type_mismatch',
  'signature_mismatch',
  'merchant_mismatch',
  'decrypt_failed',
  'malformed_json',
  'missing_header',
  'unsupported_algorithm',
  'unknown_serial',
  'signature_probe',
  'timestamp_out_of_window',
  'internal',
])
const KNOWN_CODES = new Set(CODES)

/** A rejected notification, an unusable configuration or a misuse; `code` is a SPEC §3 string. */
class NotifyError extends Error {
  constructor(code, message) {
    super(message)
    this.name = 'NotifyError'
    this.code = code
  }
}

// Errors from the addon: core errors already carry their §3 code. Anything else is napi's own
// argument conversion (caught earlier by the checks below in practice) or a caught panic.
function rethrow(err, fallback) {
  if (err instanceof NotifyError) return err
  const message = err && typeof err.message === 'string' ? err.message : String(err)
  const code = err && KNOWN_CODES.has(err.code) ? err.code : err && err.code === 'GenericFailure' ? 'internal' : fallback
  return new NotifyError(code, message)
}

function describe(value) {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? `an object (${Object.prototype.toString.call(value)})` : `a ${typeof value}`
}

function checkString(value, what, code) {
  if (typeof value !== 'string') throw new NotifyError(code, `${what} must be a string, got ${describe(value)}`)
}

// Buffers and Uint8Arrays, also from another realm (vm context); not other typed arrays.
const { isUint8Array } = require('node:util').types
function isBytes(value) {
  return isUint8Array(value)
}

function checkBody(body) {
  if (typeof body !== 'string' && !isBytes(body)) {
    throw new NotifyError(
      'invalid_argument',
      `body must be a Buffer, a Uint8Array or a string (the raw POST body), got ${describe(body)}`,
    )
  }
}

function optionalString(options, name) {
  const value = options[name]
  if (value === undefined || value === null) return undefined
  checkString(value, `options.${name}`, 'invalid_config')
  return value
}

const TWO_16 = 65536
const TWO_32 = 4294967296
// The names the transport sends by index, as internalized strings (fast property keys).
const KNOWN_NAMES = native.nativeKnownNames().map((name) => Object.keys({ [name]: 0 })[0])

// Decodes the transport (see src/wire.rs): one string read front to back; numbers are varints of
// 15-bit groups, strings are inline after their length.
class Reader {
  constructor(data) {
    this.data = data
    this.i = 0
    this.values = []
  }

  unit() {
    return this.data.charCodeAt(this.i++)
  }

  number() {
    const u = this.data.charCodeAt(this.i++)
    return u < 0x8000 ? u : this.longNumber(u)
  }

  longNumber(first) {
    let value = first & 0x7fff
    let scale = 0x8000
    for (;;) {
      const u = this.data.charCodeAt(this.i++)
      value += (u & 0x7fff) * scale
      if (u < 0x8000) return value
      scale *= 0x8000
    }
  }

  string() {
    const length = this.number()
    const start = this.i
    this.i = start + length
    return this.data.slice(start, start + length)
  }

  text() {
    const tag = this.number()
    if (tag === 0) return null
    return tag === 1 ? this.string() : this.values[tag - 2]
  }

  // Amounts are exact: a number up to Number.MAX_SAFE_INTEGER, a bigint beyond it.
  amount() {
    const tag = this.unit()
    if (tag === 0) return null
    if (tag === 1) return this.unit()
    const a = this.unit()
    const b = this.unit()
    const c = this.unit()
    const d = this.unit()
    if (a < 0x20) return (a * TWO_16 + b) * TWO_32 + c * TWO_16 + d
    return (BigInt(a * TWO_16 + b) << 32n) | BigInt(c * TWO_16 + d)
  }

  // A field list as `[object, pairs]`: the object for lookups, the pairs for exact order.
  fields() {
    const count = this.number()
    const list = new Array(count)
    const values = new Array(count)
    let known = true
    let shape = count
    for (let k = 0; k < count; k++) {
      const tag = this.number()
      let name
      if (tag !== 0) {
        name = KNOWN_NAMES[tag - 1]
        shape = (Math.imul(shape, 31) + tag) | 0
      } else {
        known = false
        name = this.string()
      }
      const value = this.string()
      values[k] = value
      list[k] = [name, value]
    }
    this.values = this.values.length === 0 ? values : this.values.concat(values)
    return [known ? fromShape(shape, list, values) : fromPairs(list), list]
  }
}

function fromPairs(list) {
  const object = {}
  for (let k = 0; k < list.length; k++) {
    const [name, value] = list[k]
    if (name === '__proto__') {
      Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true })
    } else {
      object[name] = value
    }
  }
  return object
}

// Objects whose names all come from the fixed KNOWN_NAMES list (the usual case) are built by a
// per-shape object literal, much faster than one keyed store per field. The generated code only
// ever contains names from that list, quoted with JSON.stringify. Where code generation is
// disabled (--disallow-code-generation-from-strings), fromPairs is used instead.
const SHAPES = new Map()
const MAX_SHAPES = 256
let codegen = true

function fromShape(key, list, values) {
  const entry = SHAPES.get(key)
  if (entry !== undefined) {
    const names = entry.names
    let same = names.length === list.length
    for (let k = 0; same && k < names.length; k++) same = names[k] === list[k][0]
    if (same) return entry.make(values)
    return fromPairs(list)
  }
  if (!codegen || SHAPES.size >= MAX_SHAPES) return fromPairs(list)
  const names = list.map((pair) => pair[0])
  let make
  try {
    make = new Function('v', `return {${names.map((name, k) => `${JSON.stringify(name)}: v[${k}]`).join(', ')}}`) // eslint-disable-line no-new-func
  } catch {
    codegen = false
    return fromPairs(list)
  }
  SHAPES.set(key, { names, make })
  return make(values)
}

function decodePayment(encoded) {
  const r = new Reader(encoded)
  const flags = r.unit()
  const [fields, fieldList] = r.fields()
  const result = {
    fields,
    fieldList,
    signType: r.text(),
    isSuccess: (flags & 1) === 1,
    dedupeKey: r.text(),
    appid: r.text(),
    mchId: r.text(),
    subAppid: r.text(),
    subMchId: r.text(),
    deviceInfo: r.text(),
    nonceStr: r.text(),
    resultCode: r.text(),
    errCode: r.text(),
    errCodeDes: r.text(),
    openid: r.text(),
    isSubscribe: r.text(),
    tradeType: r.text(),
    bankType: r.text(),
    feeType: r.text(),
    cashFeeType: r.text(),
    transactionId: r.text(),
    outTradeNo: r.text(),
    attach: r.text(),
    timeEnd: r.text(),
    totalFee: r.amount(),
    settlementTotalFee: r.amount(),
    cashFee: r.amount(),
    couponFee: r.amount(),
    couponCount: r.amount(),
    coupons: null,
  }
  const count = r.number()
  const coupons = new Array(count)
  for (let k = 0; k < count; k++) {
    coupons[k] = { id: r.text(), couponType: r.text(), fee: r.amount() }
  }
  result.coupons = coupons
  return result
}

function decodeRefund(encoded) {
  const r = new Reader(encoded)
  const flags = r.unit()
  const [fields, fieldList] = r.fields()
  const [reqInfo, reqInfoList] = r.fields()
  return {
    fields,
    fieldList,
    reqInfo,
    reqInfoList,
    isSuccess: (flags & 1) === 1,
    dedupeKey: r.text(),
    appid: r.text(),
    mchId: r.text(),
    transactionId: r.text(),
    outTradeNo: r.text(),
    refundId: r.text(),
    outRefundNo: r.text(),
    refundStatus: r.text(),
    successTime: r.text(),
    refundRecvAccout: r.text(),
    refundAccount: r.text(),
    refundRequestSource: r.text(),
    totalFee: r.amount(),
    refundFee: r.amount(),
    settlementTotalFee: r.amount(),
    settlementRefundFee: r.amount(),
  }
}

const NATIVE = Symbol('native')

function nativeOf(self, method) {
  if (!(self instanceof Verifier)) {
    throw new NotifyError('invalid_argument', `${method} must be called on a Verifier instance`)
  }
  return self[NATIVE]
}

/** Verifies v2 payment notifications and decrypts v2 refund notifications for one merchant key. */
class Verifier {
  constructor(options) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new NotifyError(
        'invalid_config',
        `new Verifier(options) needs an options object {apiKey, signType, ...}, got ${describe(options)}`,
      )
    }
    checkString(options.apiKey, 'options.apiKey', 'invalid_config')
    checkString(options.signType, 'options.signType', 'invalid_config')
    const nativeOptions = {
      apiKey: options.apiKey,
      signType: options.signType,
      appid: optionalString(options, 'appid'),
      mchId: optionalString(options, 'mchId'),
      alsoAccept: undefined,
      maxBodyBytes: undefined,
    }
    const alsoAccept = options.alsoAccept
    if (alsoAccept !== undefined && alsoAccept !== null) {
      if (!Array.isArray(alsoAccept) || !alsoAccept.every((t) => typeof t === 'string')) {
        throw new NotifyError('invalid_config', `options.alsoAccept must be an array of sign type names, got ${describe(alsoAccept)}`)
      }
      nativeOptions.alsoAccept = alsoAccept.slice()
    }
    const maxBodyBytes = options.maxBodyBytes
    if (maxBodyBytes !== undefined && maxBodyBytes !== null) {
      if (typeof maxBodyBytes !== 'number') {
        throw new NotifyError('invalid_config', `options.maxBodyBytes must be a number, got ${describe(maxBodyBytes)}`)
      }
      nativeOptions.maxBodyBytes = maxBodyBytes
    }
    try {
      this[NATIVE] = new native.NativeVerifier(nativeOptions)
    } catch (err) {
      throw rethrow(err, 'invalid_config')
    }
  }

  /** Verifies a payment result notification (the raw POST body). */
  verifyPayment(body) {
    const inner = nativeOf(this, 'verifyPayment')
    checkBody(body)
    let encoded
    try {
      encoded = inner.verifyPayment(body)
    } catch (err) {
      throw rethrow(err, 'invalid_argument')
    }
    return decodePayment(encoded)
  }

  /** Decrypts and checks a refund result notification (the raw POST body). */
  decryptRefund(body) {
    const inner = nativeOf(this, 'decryptRefund')
    checkBody(body)
    let encoded
    try {
      encoded = inner.decryptRefund(body)
    } catch (err) {
      throw rethrow(err, 'invalid_argument')
    }
    return decodeRefund(encoded)
  }

  get [Symbol.toStringTag]() {
    return 'Verifier'
  }
}

/** Signs fields the way WeChat Pay does: `sign` and empty values are skipped; uppercase hex. */
function sign(fields, apiKey, signType) {
  let pairs
  if (Array.isArray(fields)) {
    pairs = fields
  } else if (fields !== null && typeof fields === 'object' && !ArrayBuffer.isView(fields)) {
    pairs = Object.entries(fields)
  } else {
    throw new NotifyError(
      'invalid_argument',
      `fields must be a plain object or an array of [name, value] pairs, got ${describe(fields)}`,
    )
  }
  for (let k = 0; k < pairs.length; k++) {
    const pair = pairs[k]
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw new NotifyError(
        'invalid_argument',
        `fields must map names to string values: entry ${k} is ${Array.isArray(pair) ? `[${pair.map(describe).join(', ')}]` : describe(pair)}`,
      )
    }
  }
  checkString(apiKey, 'apiKey', 'invalid_config')
  checkString(signType, 'signType', 'invalid_config')
  try {
    return native.nativeSign(pairs, apiKey, signType)
  } catch (err) {
    throw rethrow(err, 'invalid_argument')
  }
}

const SUCCESS = native.replySuccess()

/** The exact SUCCESS reply (acknowledge every verified notification, also result_code=FAIL ones). */
function replySuccess() {
  return SUCCESS
}

/** A FAIL reply carrying `msg` (WeChat Pay will retry); safe for any message. */
function replyFail(msg) {
  checkString(msg, 'msg', 'invalid_argument')
  return native.replyFail(msg)
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

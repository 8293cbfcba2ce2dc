'use strict'
// The package's entry point: a thin layer over the generated napi-rs binding (index.js). The addon
// does the work: it converts the arguments (napi-rs's conversions are the type checks), calls the
// Rust core and keeps its result in Rust (a `NativeNotification`). This file gives the addon's errors their
// JS classes (`fromNative`) and wraps each result in a result class whose getters ask the addon for
// a value on first read and cache it (results cost what a handler reads), with `toJSON`
// (every property, as a plain object) and `util.inspect` showing every value; it adds the two views
// plain JS builds best: `fieldList` = `Object.entries(fields)` (exact document order: element
// names are XML names, never array indices) and the APIv3 `resource` = `JSON.parse(plaintext)`.

const { inspect } = require('node:util')
const native = require('./index.js')

/**
 * An HTTP reply for WeChat Pay, one type for both versions: send `status`, a `Content-Type` of
 * `contentType` when it is not null, and `body` exactly, through `send(res)` (Node's http and
 * Express), `sendKoa(ctx)` or `sendFastify(reply)`. It refuses to become JSON (`toJSON` throws), so
 * `res.json(reply)`, `res.send(reply)`, `ctx.body = reply` or Fastify's `reply.send(reply)` fail
 * with a 500 (WeChat Pay retries) instead of a 200 that would acknowledge a refusal.
 */
class HttpReply {
  constructor(token, native) {
    checkToken(token)
    this.status = native.status
    this.contentType = native.contentType ?? null
    this.body = native.body
    Object.freeze(this)
  }

  /** Sends the reply on a Node `http.ServerResponse` (Express's `res` is one) and ends it. */
  send(res) {
    if (res === null || typeof res !== 'object' || typeof res.setHeader !== 'function' || typeof res.end !== 'function') {
      throw new TypeError('HttpReply#send expects an http.ServerResponse (or Express res)')
    }
    res.statusCode = this.status
    if (this.contentType === null) res.removeHeader('Content-Type')
    else res.setHeader('Content-Type', this.contentType)
    res.end(this.body)
  }

  /** Sets the reply on a Koa context (`ctx.status`, the `Content-Type` header, `ctx.body`). */
  sendKoa(ctx) {
    if (ctx === null || typeof ctx !== 'object' || typeof ctx.set !== 'function' || typeof ctx.remove !== 'function') {
      throw new TypeError('HttpReply#sendKoa expects a Koa context')
    }
    ctx.status = this.status
    ctx.body = this.body === '' ? null : this.body
    // After the body: Koa picks a type for a string body; the reply's own replaces it.
    if (this.contentType === null) ctx.remove('Content-Type')
    else ctx.set('Content-Type', this.contentType)
    // Koa's null body turns a status it does not consider empty into 204; set it again.
    ctx.status = this.status
  }

  /** Sends the reply with a Fastify reply object; returns what `reply.send` returns. */
  sendFastify(reply) {
    if (reply === null || typeof reply !== 'object' || typeof reply.code !== 'function' || typeof reply.send !== 'function') {
      throw new TypeError('HttpReply#sendFastify expects a Fastify reply')
    }
    reply.code(this.status)
    if (this.contentType !== null) reply.header('Content-Type', this.contentType)
    // Bytes, not a string: Fastify would add a charset to the content type of a string.
    return reply.send(Buffer.from(this.body, 'utf8'))
  }

  /** Never JSON: a framework that would serialise the reply must fail instead of answering 200. */
  toJSON() {
    throw new TypeError('an HttpReply is not a JSON body: send it with reply.send(res), reply.sendKoa(ctx) or reply.sendFastify(reply)')
  }

  /** The reply as a plain object (`{ status, contentType, body }`), e.g. to log or compare it. */
  toObject() {
    return { status: this.status, contentType: this.contentType, body: this.body }
  }

  get [Symbol.toStringTag]() {
    return 'HttpReply'
  }
}

// The addon's reply object as an HttpReply.
const httpReply = (native) => new HttpReply(INTERNAL, native)

/** The stable error codes, from the core. */
const CODES = Object.freeze(native.errorCodes())
const KNOWN_CODES = new Set(CODES)

/**
 * A rejected notification, an unusable configuration or a refused argument; `code` is a stable
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
      const reply = details.reply
      this.reply = reply !== null && typeof reply === 'object' && !(reply instanceof HttpReply) ? httpReply(reply) : reply
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

// An error from the addon in its JS class: one of our error codes -> NotifyError; a failed argument
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
// appear in a message, so its type is checked before it reaches the addon. Check the copy that is
// passed on (withoutNulls), not the caller's object: a getter may answer differently twice.
function checkKeyType(apiKey, what) {
  if (typeof apiKey !== 'string') throw new TypeError(`${what} must be a string, got ${apiKey === null ? 'null' : typeof apiKey}`)
}

const isObject = (value) => value !== null && typeof value === 'object'

// A body that a JSON or form middleware already parsed (express.json(), express.urlencoded(),
// body-parser, Koa's bodyparser, Fastify's default JSON parser) is an object: the signature covers
// the exact bytes received, which cannot be rebuilt from it. Say how to get them instead of the
// addon's generic type error. Buffers and other byte views go on to the addon unchanged.
function checkBody(body) {
  if (isObject(body) && !ArrayBuffer.isView(body) && !(body instanceof ArrayBuffer)) {
    throw new TypeError(
      'body must be the raw request body (a Buffer or string), not an already parsed object: a JSON ' +
        "or form body parser ran first; give the notify_url route express.raw({ type: () => true }) " +
        '(or your framework\'s raw-body option) and pass req.body as received',
    )
  }
}

// Options as the addon reads them: napi-rs takes an absent option as `undefined` only, while the
// types also allow `null` for "not set". Other values pass unchanged (the addon checks them).
function withoutNulls(options) {
  if (!isObject(options) || Array.isArray(options)) return options
  const copy = {}
  for (const [name, value] of Object.entries(options)) if (value !== null) copy[name] = value
  return copy
}

// The option names of each verifier and of an endpoint profile: the core's declaration of its
// settings, in camelCase.
const OPTION_NAMES = {
  v2_verifier: native.settingNames('v2_verifier'),
  v3_verifier: native.settingNames('v3_verifier'),
  merchant_profile: native.settingNames('merchant_profile'),
}

// Refuses an option the verifier does not have (a TypeError, as Python refuses an unexpected
// keyword): a misspelt one, `mchid` for `mchId`, would otherwise be ignored, and with it the
// merchant check it was meant to turn on. `options` is the copy that goes to the addon.
function checkOptionNames(options, verifier, what) {
  if (!isObject(options) || Array.isArray(options)) return
  const known = OPTION_NAMES[verifier]
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      // The name is the caller's: quoted only when it is a short plain identifier (keys are 32
      // characters, so a key passed as a name is never repeated).
      const shown = /^[A-Za-z0-9_$]{1,24}$/.test(name) ? `"${name}"` : 'with that name'
      throw new TypeError(`${what} has no option ${shown} (its options: ${known.join(', ')})`)
    }
  }
}

function endpointOptions(options) {
  if (!isObject(options) || !Array.isArray(options.profiles)) return options
  const profiles = options.profiles.map((profile, i) => {
    if (!isObject(profile)) return profile
    const copy = withoutNulls(profile)
    checkOptionNames(copy, 'merchant_profile', `profiles[${i}]`)
    if (isObject(copy.v2)) {
      copy.v2 = withoutNulls(copy.v2)
      checkOptionNames(copy.v2, 'v2_verifier', `profiles[${i}].v2`)
    }
    if (isObject(copy.v3)) {
      copy.v3 = withoutNulls(copy.v3)
      checkOptionNames(copy.v3, 'v3_verifier', `profiles[${i}].v3`)
    }
    return copy
  })
  return { ...withoutNulls(options), profiles }
}

// ---------------------------------------------------------------------------------------------
// Result classes
//
// A result is an instance of one of the classes below, holding the addon's NativeNotification. Its
// properties are enumerable getters on the class's prototype, in the order of the former plain
// objects (the typed ones named and ordered by the core's declaration, `typedViewNames`): each asks
// the addon on first read and caches the value, so `n.fields === n.fields` and a handler that reads
// five typed values converts five. A typed value the core refuses (an amount present in another
// form than a non-negative integer, never "absent") is not cached: every read throws a
// new NotifyError with its code (`missing_field`). The instance has no own properties: `toJSON()`
// gives every property as a plain object (what `JSON.stringify` writes), `util.inspect` /
// `console.log` show every value, `for...in` lists every name; `Object.keys`, `{ ...n }` and
// `structuredClone` see no own property (documented in notify.d.ts and the README).

// Lets the package, and nobody else, construct a result.
const INTERNAL = Symbol('wechatpay-notify result')
// The property names of a result class, and its name, on its prototype.
const KEYS = Symbol('wechatpay-notify result keys')
const NAME = Symbol('wechatpay-notify result class')

const isResult = (value) => value !== null && typeof value === 'object' && KEYS in value

function checkToken(token) {
  if (token !== INTERNAL) throw new TypeError('results are made by the verifiers, not constructed')
}

// A native call of a getter: the addon's errors in their JS classes.
function read(call) {
  try {
    return call()
  } catch (err) {
    throw fromNative(err)
  }
}

// Every property as a plain object (nested results as plain objects too): reading a property that
// throws throws here.
function toJSON() {
  const out = {}
  for (const name of this[KEYS]) {
    const value = this[name]
    out[name] = isResult(value) ? value.toJSON() : value instanceof HttpReply ? value.toObject() : value
  }
  return out
}

// What `util.inspect` shows in place of a property whose read throws.
class Throws {
  constructor(err) {
    this.code = err.code
  }

  [inspect.custom](depth, options) {
    return options.stylize(`[throws NotifyError ${this.code}]`, 'special')
  }
}

// `util.inspect` (console.log): `ClassName { name: value, ... }`, every property, shown as the
// former plain object was at the same depth (`depth` is what is left of `options.depth` here).
function inspectResult(depth, options, inspectValue) {
  const name = this[NAME]
  if (depth < 0) return options.stylize(`[${name}]`, 'special')
  const shown = {}
  for (const key of this[KEYS]) {
    try {
      shown[key] = this[key]
    } catch (err) {
      if (!(err instanceof NotifyError)) throw err
      shown[key] = new Throws(err)
    }
  }
  return `${name} ${inspectValue(shown, { ...options, depth })}`
}

// Makes the listed getters of `Class.prototype` enumerable (class getters are not), adds the
// typed getters (`typed(result, index)` reads typed property number `index`, in the core's order),
// and adds `toJSON` and `util.inspect.custom`. The properties enumerate (`for...in`, `toJSON`,
// `util.inspect`) in one order: the listed ones first, or the typed ones with `typedFirst`.
function defineResult(Class, names, typedNames = [], typed = null, { typedFirst = false } = {}) {
  const proto = Class.prototype
  const defineTyped = () =>
    typedNames.forEach((name, index) => {
      Object.defineProperty(proto, name, {
        get() {
          return typed(this, index)
        },
        enumerable: true,
        configurable: true,
      })
    })
  if (typedFirst) defineTyped()
  // Redefined, so that they enumerate after the typed getters with `typedFirst`.
  for (const name of names) {
    const getter = Object.getOwnPropertyDescriptor(proto, name)
    delete proto[name]
    Object.defineProperty(proto, name, { ...getter, enumerable: true })
  }
  if (!typedFirst) defineTyped()
  const keys = typedFirst ? [...typedNames, ...names] : [...names, ...typedNames]
  Object.defineProperty(proto, KEYS, { value: Object.freeze(keys) })
  Object.defineProperty(proto, NAME, { value: Class.name })
  Object.defineProperty(proto, 'toJSON', { value: toJSON, writable: true, configurable: true })
  Object.defineProperty(proto, inspect.custom, { value: inspectResult, writable: true, configurable: true })
}

// Typed property number `index` from `cache` (a result's array of the values read so far), else
// from the addon (`get(inner, index)`: one of the three below), then cached. `null` is a value;
// only `undefined` (never a typed value) means "not read yet". A refused value throws and stays
// unread.
function cachedTyped(cache, get, inner, index) {
  const value = cache[index]
  if (value !== undefined) return value
  try {
    return (cache[index] = get(inner, index))
  } catch (err) {
    throw fromNative(err)
  }
}

const typedOf = (inner, index) => inner.typed(index)
const transactionTypedOf = (inner, index) => inner.transactionTyped(index)
const refundTypedOf = (inner, index) => inner.refundTyped(index)
const profitSharingTypedOf = (inner, index) => inner.profitSharingTyped(index)
const transferTypedOf = (inner, index) => inner.transferTyped(index)
const complaintTypedOf = (inner, index) => inner.complaintTyped(index)
const eventTypedOf = (inner, index) => inner.eventTyped(index)
const resultTypedOf = (inner, index) => inner.resultTyped(index)

/** A verified v2 payment result notification. */
class PaymentNotification {
  #native
  #fields
  #fieldList
  #typed = []

  constructor(token, inner) {
    checkToken(token)
    this.#native = inner
  }

  get fields() {
    return (this.#fields ??= read(() => this.#native.fields()))
  }

  get fieldList() {
    return (this.#fieldList ??= Object.entries(this.fields))
  }

  static {
    defineResult(this, ['fields', 'fieldList'], native.typedViewNames('payment'), (n, i) =>
      cachedTyped(n.#typed, typedOf, n.#native, i),
    )
  }
}

/** A decrypted v2 refund result notification (a hint: confirm it with the refund query API). */
class RefundNotification {
  #native
  #fields
  #fieldList
  #reqInfo
  #reqInfoList
  #typed = []

  constructor(token, inner) {
    checkToken(token)
    this.#native = inner
  }

  get fields() {
    return (this.#fields ??= read(() => this.#native.fields()))
  }

  get fieldList() {
    return (this.#fieldList ??= Object.entries(this.fields))
  }

  get reqInfo() {
    return (this.#reqInfo ??= read(() => this.#native.reqInfo()))
  }

  get reqInfoList() {
    return (this.#reqInfoList ??= Object.entries(this.reqInfo))
  }

  static {
    defineResult(this, ['fields', 'fieldList', 'reqInfo', 'reqInfoList'], native.typedViewNames('refund'), (n, i) =>
      cachedTyped(n.#typed, typedOf, n.#native, i),
    )
  }
}

// The typed view of one family of APIv3 resources, named `name`: its typed properties are the
// core's view `view` (`typedViewNames`), each read through `typedOf(inner, index)` on first access.
// A result class like the others (`defineResult`), made by a factory because the five differ only
// in these three.
function resourceView(name, view, typedOf) {
  return {
    [name]: class {
      #native
      #typed = []

      constructor(token, inner) {
        checkToken(token)
        this.#native = inner
      }

      static {
        defineResult(this, [], native.typedViewNames(view), (v, i) => cachedTyped(v.#typed, typedOf, v.#native, i))
      }
    },
  }[name]
}

/** The typed view of a `TRANSACTION.*` resource. */
const V3Transaction = resourceView('V3Transaction', 'v3_transaction', transactionTypedOf)
/** The typed view of a `REFUND.*` resource. */
const V3Refund = resourceView('V3Refund', 'v3_refund', refundTypedOf)
/** The typed view of a `PROFITSHARING.*` resource. */
const V3ProfitSharing = resourceView('V3ProfitSharing', 'v3_profit_sharing', profitSharingTypedOf)
/** The typed view of a `MCHTRANSFER.BILL.*` resource. */
const V3Transfer = resourceView('V3Transfer', 'v3_transfer', transferTypedOf)
/** The typed view of a `COMPLAINT.*` resource. */
const V3Complaint = resourceView('V3Complaint', 'v3_complaint', complaintTypedOf)

/** A verified, decrypted APIv3 notification. */
class V3Notification {
  #native
  // Values by name, once read (the views: `null` when the event is not of that kind).
  #values = {}
  #typed = []

  constructor(token, inner) {
    checkToken(token)
    this.#native = inner
  }

  #cached(name, make) {
    const values = this.#values
    return name in values ? values[name] : (values[name] = make())
  }

  // The typed view the event has: 'transaction', 'refund', 'profit_sharing', 'transfer', 'complaint'
  // or null.
  #view() {
    return this.#cached('view', () => read(() => this.#native.view()))
  }

  get transaction() {
    return this.#cached('transaction', () => (this.#view() === 'transaction' ? new V3Transaction(INTERNAL, this.#native) : null))
  }

  get refund() {
    return this.#cached('refund', () => (this.#view() === 'refund' ? new V3Refund(INTERNAL, this.#native) : null))
  }

  get profitSharing() {
    return this.#cached('profitSharing', () =>
      this.#view() === 'profit_sharing' ? new V3ProfitSharing(INTERNAL, this.#native) : null,
    )
  }

  get transfer() {
    return this.#cached('transfer', () => (this.#view() === 'transfer' ? new V3Transfer(INTERNAL, this.#native) : null))
  }

  get complaint() {
    return this.#cached('complaint', () => (this.#view() === 'complaint' ? new V3Complaint(INTERNAL, this.#native) : null))
  }

  get resource() {
    return this.#cached('resource', () => JSON.parse(this.plaintext))
  }

  static {
    defineResult(
      this,
      [
        'transaction',
        'refund',
        'profitSharing',
        'transfer',
        'complaint',
        'resource',
      ],
      native.typedViewNames('v3_notification'),
      (n, i) => cachedTyped(n.#typed, eventTypedOf, n.#native, i),
      // The event's own properties (its strings, isSuccess, dedupeKey) before its views.
      { typedFirst: true },
    )
  }
}

// The result class of each kind of notification.
const RESULT_BY_KIND = { v2_payment: PaymentNotification, v2_refund: RefundNotification, v3: V3Notification }

/** A request `Endpoint#handle` verified: the merchant, the kind, the notification and the replies. */
class Handled {
  #native
  #values = {}
  #typed = []

  constructor(token, inner) {
    checkToken(token)
    this.#native = inner
  }

  #cached(name, make) {
    const values = this.#values
    return name in values ? values[name] : (values[name] = make())
  }

  get label() {
    return this.#cached('label', () => read(() => this.#native.label()))
  }

  get kind() {
    return this.#cached('kind', () => read(() => this.#native.kind()))
  }

  get notification() {
    return this.#cached('notification', () => new RESULT_BY_KIND[this.kind](INTERNAL, this.#native))
  }

  get reply() {
    return this.#cached('reply', () => httpReply(read(() => this.#native.reply())))
  }

  get internalErrorReply() {
    return this.#cached('internalErrorReply', () => httpReply(read(() => this.#native.internalErrorReply())))
  }

  static {
    defineResult(
      this,
      ['label', 'kind', 'notification', 'reply', 'internalErrorReply'],
      native.typedViewNames('endpoint_result'),
      (h, i) => cachedTyped(h.#typed, resultTypedOf, h.#native, i),
    )
  }
}

/** Verifies v2 payment notifications and decrypts v2 refund notifications for one merchant key. */
class Verifier {
  #native

  constructor(options) {
    const copy = withoutNulls(options)
    checkOptionNames(copy, 'v2_verifier', 'Verifier options')
    if (isObject(copy)) checkKeyType(copy.apiKey, 'options.apiKey')
    try {
      this.#native = new native.NativeVerifier(copy)
    } catch (err) {
      throw fromNative(err)
    }
  }

  /** Verifies a payment result notification (the raw POST body). */
  verifyPayment(body) {
    const inner = this.#native // a TypeError when called on anything but a Verifier
    let n
    checkBody(body)
    try {
      n = inner.verifyPayment(body)
    } catch (err) {
      throw fromNative(err)
    }
    return new PaymentNotification(INTERNAL, n)
  }

  /**
   * Decrypts and checks a refund result notification (the raw POST body). req_info is
   * AES-256-ECB without integrity: treat the result as a hint and confirm it with the refund query
   * API before any irreversible action.
   */
  decryptRefund(body) {
    const inner = this.#native
    let n
    checkBody(body)
    try {
      n = inner.decryptRefund(body)
    } catch (err) {
      throw fromNative(err)
    }
    return new RefundNotification(INTERNAL, n)
  }

  get [Symbol.toStringTag]() {
    return 'Verifier'
  }
}

/** Verifies APIv3 notifications for one merchant: its APIv3 key and the WeChat Pay keys it trusts. */
// Lets TrustedKeys wrap an addon set (module-private: never exposed).
const NATIVE_KEYS = Symbol('native trusted keys')
// A TrustedKeys' addon set, for V3Verifier and Endpoint: set by TrustedKeys' static block, so it
// reaches the private field without exposing it (a static method keyed by a symbol could be found
// with Object.getOwnPropertySymbols and used to wrap any object as a set).
let nativeOfKeys

/**
 * A set of trusted WeChat Pay keys, each parsed once when the set is built: from `id → PEM` (as
 * `V3Verifier` takes them) or from a directory (`TrustedKeys.fromDir`). Swap it into a live
 * verifier (`V3Verifier#replaceTrustedKeys`) or an endpoint merchant
 * (`Endpoint#replaceTrustedKeys`). Immutable.
 */
class TrustedKeys {
  #native

  constructor(platformKeys, inner) {
    if (platformKeys === NATIVE_KEYS) {
      if (!(inner instanceof native.NativeTrustedKeys)) throw new TypeError('not a set of trusted keys')
      this.#native = inner
      return
    }
    try {
      this.#native = new native.NativeTrustedKeys(platformKeys)
    } catch (err) {
      throw fromNative(err)
    }
  }

  /** Every key of a directory: each `*.pem` file (certificates under their serial, public keys under their `PUB_KEY_ID_…` file name). */
  static fromDir(path) {
    if (typeof path !== 'string') throw new TypeError('path must be a string')
    try {
      return new TrustedKeys(NATIVE_KEYS, native.NativeTrustedKeys.fromDir(path))
    } catch (err) {
      throw fromNative(err)
    }
  }

  /** The key ids, in order (certificates by their uppercase hex serial): a new array. */
  get ids() {
    return this.#native.ids()
  }

  /** The number of keys. */
  get size() {
    return this.#native.ids().length
  }

  /** True when a key of this id (as `Wechatpay-Serial` names it) is in the set. */
  trusts(id) {
    try {
      return this.#native.trusts(id)
    } catch (err) {
      throw fromNative(err)
    }
  }

  static {
    nativeOfKeys = (keys) => keys.#native
  }

  get [Symbol.toStringTag]() {
    return 'TrustedKeys'
  }
}

/** The addon set of a `TrustedKeys` or of `id → PEM` (parsed here). */
function nativeKeys(keys) {
  const set = keys instanceof TrustedKeys ? keys : new TrustedKeys(keys)
  return nativeOfKeys(set)
}

class V3Verifier {
  #native

  constructor(options) {
    const copy = withoutNulls(options)
    checkOptionNames(copy, 'v3_verifier', 'V3Verifier options')
    if (isObject(copy)) checkKeyType(copy.apiV3Key, 'options.apiV3Key')
    try {
      if (isObject(copy) && copy.platformKeys instanceof TrustedKeys) {
        const keys = nativeKeys(copy.platformKeys)
        this.#native = native.NativeV3Verifier.withTrustedKeys({ ...copy, platformKeys: [] }, keys)
      } else {
        this.#native = new native.NativeV3Verifier(copy)
      }
    } catch (err) {
      throw fromNative(err)
    }
  }

  /**
   * Swaps in a new set of trusted keys, atomically (key rotation without a restart): a
   * `TrustedKeys` or `id → PEM`. An empty set or a refused key is `invalid_config`, and the
   * verifier keeps its keys.
   */
  replaceTrustedKeys(keys) {
    const inner = this.#native
    try {
      inner.replaceTrustedKeys(nativeKeys(keys))
    } catch (err) {
      throw fromNative(err)
    }
  }

  /** The set of trusted keys in use now (a later swap does not change it). */
  trustedKeys() {
    return new TrustedKeys(NATIVE_KEYS, this.#native.trustedKeys())
  }

  /** Verifies a notification: the request headers, the raw POST body, `{ now }` (Unix seconds; default the clock). */
  verify(headers, body, options) {
    const inner = this.#native
    let n
    checkBody(body)
    try {
      n = inner.verify(headers, body, withoutNulls(options))
    } catch (err) {
      throw fromNative(err)
    }
    return new V3Notification(INTERNAL, n)
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
    const copy = endpointOptions(options)
    if (isObject(copy) && Array.isArray(copy.profiles)) {
      for (const [i, profile] of copy.profiles.entries()) {
        if (!isObject(profile)) continue
        if (isObject(profile.v2)) checkKeyType(profile.v2.apiKey, `options.profiles[${i}].v2.apiKey`)
        if (isObject(profile.v3)) checkKeyType(profile.v3.apiV3Key, `options.profiles[${i}].v3.apiV3Key`)
      }
    }
    try {
      this.#native = new native.NativeEndpoint(copy)
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
    checkBody(body)
    try {
      out = inner.handle(headers, body, withoutNulls(options))
    } catch (err) {
      throw fromNative(err)
    }
    if (!(out instanceof native.NativeNotification)) throw new NotifyError(out.code, out.message, out)
    return new Handled(INTERNAL, out)
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

  /**
   * Swaps the trusted APIv3 keys of the merchant labelled `label`, and the `Wechatpay-Serial`
   * routes to it, in one step: a `TrustedKeys` or `id → PEM`. `invalid_config`, the endpoint
   * unchanged, for no such v3 profile, an empty set, a refused key or a key id another profile
   * trusts.
   */
  replaceTrustedKeys(label, keys) {
    const inner = this.#native
    try {
      inner.replaceTrustedKeys(label, nativeKeys(keys))
    } catch (err) {
      throw fromNative(err)
    }
  }

  /** The trusted APIv3 keys in use now by the merchant labelled `label` (`null`: no such v3 profile). */
  trustedKeys(label) {
    let keys
    try {
      keys = this.#native.trustedKeys(label)
    } catch (err) {
      throw fromNative(err)
    }
    return keys == null ? null : new TrustedKeys(NATIVE_KEYS, keys)
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
 * code stays on the error for your logs (a reply naming it would tell anyone why).
 */
function replyRefusal() {
  return native.replyRefusal()
}

/** The v2 success reply: 200, `text/xml`, the exact XML SUCCESS (an HttpReply). */
function replyV2Success() {
  return httpReply(native.replyV2Success())
}

/**
 * The v2 failure reply for a NotifyError (or its code): 200 with the XML FAIL and the constant
 * message when the request was refused (WeChat Pay retries), 500 with the same body for
 * `invalid_config`/`internal` and any other Error (your own failure).
 */
function replyV2Fail(err) {
  const code = failureCode(err, 'replyV2Fail')
  try {
    return httpReply(native.replyV2Fail(code))
  } catch (e) {
    throw fromNative(e)
  }
}

/** The APIv3 success reply: 204, no content type, an empty body (WeChat Pay also accepts 200). */
function replyV3Success() {
  return httpReply(native.replyV3Success())
}

// The code a failure reply is for: a NotifyError's, an error code, `internal` for any other Error.
function failureCode(err, fn) {
  if (typeof err === 'string') return err
  if (err instanceof Error) return KNOWN_CODES.has(err.code) ? err.code : 'internal'
  throw new TypeError(`${fn} expects a NotifyError, an Error or an error code, got ${err === null ? 'null' : typeof err}`)
}

/**
 * The APIv3 failure reply for a NotifyError (or its code): 401 when the request is not authentic,
 * 400 when it is malformed or uses an unsupported algorithm, 500 for `invalid_config`/`internal`;
 * the body is always `{"code":"FAIL","message":"rejected"}` (the code stays on the error). Any
 * other Error (a bug, a database failure) gets the `internal` reply (500), so WeChat Pay retries.
 */
function replyV3Fail(err) {
  const code = failureCode(err, 'replyV3Fail')
  try {
    return httpReply(native.replyV3Fail(code))
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
    return httpReply(native.internalErrorReply(headers))
  } catch (err) {
    throw fromNative(err)
  }
}

module.exports = {
  Verifier,
  V3Verifier,
  TrustedKeys,
  Endpoint,
  NotifyError,
  HttpReply,
  CODES,
  sign,
  replySuccess,
  replyFail,
  replyRefusal,
  replyV2Success,
  replyV2Fail,
  replyV3Success,
  replyV3Fail,
  apiVersionOf,
  internalErrorReply,
  version: native.nativeVersion(),
}

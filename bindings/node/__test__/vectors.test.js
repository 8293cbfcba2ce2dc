'use strict'
// Runs every shared vector in tests/vectors/ (loaded from the repo root, never copied) and checks
// identical verdicts, exact error codes, inert bounded messages for every rejection and every
// expected field and typed property of every valid case; each file must run exactly
// `numberOfTests` cases. Also compares the typed properties of the result objects (v2 payment and
// refund, APIv3 transaction, refund, profit-sharing, transfer and complaint views) with
// tests/vectors/typed_views.json (the core's
// declaration), in both directions.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const {
  Verifier, V3Verifier, TrustedKeys, Endpoint, NotifyError, HttpReply, sign, replySuccess, replyFail,
  replyV2Success, replyV2Fail, replyV3Success, replyV3Fail
} = require('..')

const VECTORS = path.join(__dirname, '..', '..', '..', 'tests', 'vectors')
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

// JSON.parse would round integers beyond 2^53 - 1: integer values of 16 or more digits (after a
// key, outside any string) are read as BigInt, so amounts compare exactly.
const BIG = '\u0000bigint:'
function parseExact(text) {
  // The marker is written as a JSON escape (a raw control character is not valid JSON).
  const marked = text.replace(/(?<!\\)": (\d{16,})(?=\s*[,}\]])/g, '": "\\u0000bigint:$1"')
  return JSON.parse(marked, (_, v) => (typeof v === 'string' && v.startsWith(BIG) ? BigInt(v.slice(BIG.length)) : v))
}

// How the binding represents an exact integer: a number up to Number.MAX_SAFE_INTEGER, else a bigint.
function exact(value) {
  return typeof value === 'bigint' && value <= MAX_SAFE ? Number(value) : value
}

// A JSON value as JSON.parse gives it (every number a JS number): the APIv3 `resource`.
function jsonNumbers(value) {
  if (typeof value === 'bigint') return Number(value)
  if (Array.isArray(value)) return value.map(jsonNumbers)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonNumbers(v)]))
  return value
}

function load(name) {
  const file = parseExact(fs.readFileSync(path.join(VECTORS, name), 'utf8'))
  assert.ok(Array.isArray(file.testGroups) && file.testGroups.length > 0, `${name} has test groups`)
  return file
}

function body(tc) {
  const hasText = typeof tc.body === 'string'
  const hasHex = typeof tc.bodyHex === 'string'
  assert.ok(hasText !== hasHex, `tcId ${tc.tcId}: exactly one of body/bodyHex`)
  return hasText ? Buffer.from(tc.body, 'utf8') : Buffer.from(tc.bodyHex, 'hex')
}

const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())

// The result properties that are documents rather than typed views.
const DOCUMENTS = {
  V2Pay: ['fields', 'fieldList'],
  V2Refund: ['fields', 'fieldList', 'reqInfo', 'reqInfoList'],
}

// A result is an instance of a result class: no own property; each property an enumerable getter
// (no setter) of the class's prototype that reads the value on first access and caches it. Its
// property names are what `for...in` lists (the same as the keys of its `toJSON()`).
function checkResult(result, where) {
  assert.ok(result !== null && typeof result === 'object', `${where}: a result object`)
  assert.deepEqual(Object.keys(result), [], `${where}: no own property`)
  const proto = Object.getPrototypeOf(result)
  assert.notEqual(proto, Object.prototype, `${where}: an instance of a result class`)
  for (const name of names(result)) {
    const d = Object.getOwnPropertyDescriptor(proto, name)
    assert.ok(d !== undefined && typeof d.get === 'function' && d.set === undefined && d.enumerable, `${where}: ${name} is an enumerable getter`)
  }
  assert.equal(typeof result.toJSON, 'function', `${where}: toJSON`)
}

// The property names of a result, in order (enumerable, own or inherited).
function names(result) {
  const out = []
  for (const name in result) out.push(name)
  return out
}

// `toJSON()` of a result without typed errors: a plain object with every property, the values
// those of the getters (views as plain objects too); with one, it throws that error.
function checkToJSON(result, errorCode, where) {
  if (errorCode !== null) {
    assert.equal(rejection(() => result.toJSON(), `${where}: toJSON`).code, errorCode, `${where}: toJSON`)
    return
  }
  const plain = result.toJSON()
  assert.equal(Object.getPrototypeOf(plain), Object.prototype, `${where}: toJSON is a plain object`)
  assert.deepEqual(Object.keys(plain), names(result), `${where}: toJSON keys`)
  for (const name of names(result)) {
    const value = result[name]
    if (value instanceof HttpReply) {
      // A reply is never JSON itself (HttpReply#toJSON throws); the result gives its plain object.
      assert.deepEqual(plain[name], value.toObject(), `${where}: toJSON().${name}`)
    } else if (value !== null && typeof value === 'object' && typeof value.toJSON === 'function' && !Array.isArray(value)) {
      assert.deepEqual(plain[name], value.toJSON(), `${where}: toJSON().${name}`)
    } else {
      assert.equal(plain[name], value, `${where}: toJSON().${name} is the same value`)
    }
  }
}

// Every property of an APIv3 result (its typed views are objects of their own).
const V3_PROPERTIES = [
  'id',
  'createTime',
  'eventType',
  'resourceType',
  'summary',
  'plaintext',
  'isSuccess',
  'dedupeKey',
  'transaction',
  'refund',
  'profitSharing',
  'transfer',
  'complaint',
  'resource',
]
// The APIv3 resource views: the key of each in a vector's expected.typed (its property is the key
// in camelCase).
const V3_VIEWS = ['transaction', 'refund', 'profit_sharing', 'transfer', 'complaint']
// The notification's own typed properties: the core's v3_notification view.
const V3_OWN = JSON.parse(fs.readFileSync(path.join(VECTORS, 'typed_views.json'), 'utf8')).views.v3_notification.map((p) => p.name)

// Issue 8.3: whatever the input, a message is at most 200 characters and holds no character of
// Unicode categories Cc, Cf, Zl, Zp (no log injection); the same for the full string form.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u
function checkMessage(err, where) {
  for (const [what, text] of [['err.message', err.message], ['String(err)', String(err)]]) {
    assert.equal(typeof text, 'string', `${where}: ${what}`)
    assert.ok([...text].length <= 200, `${where}: ${what} is ${[...text].length} characters: ${JSON.stringify(text)}`)
    assert.doesNotMatch(text, UNSAFE, `${where}: ${what} holds a Cc/Cf/Zl/Zp character: ${JSON.stringify(text)}`)
  }
}

function rejection(fn, where) {
  let err
  try {
    fn()
  } catch (e) {
    err = e
  }
  assert.ok(err !== undefined, `${where}: expected a rejection`)
  assert.ok(err instanceof NotifyError, `${where}: expected a NotifyError, got ${err && err.stack}`)
  assert.ok(err instanceof Error)
  checkMessage(err, where)
  return err
}

// A v2 config of the vectors as Verifier options (null = left out).
function v2Options(config) {
  const options = {
    apiKey: config.apiKey,
    signType: config.signType,
    alsoAccept: config.alsoAccept,
  }
  if (config.appid !== null) options.appid = config.appid
  if (config.mchId !== null) options.mchId = config.mchId
  if (config.maxBodyBytes != null) options.maxBodyBytes = config.maxBodyBytes
  return options
}

function verifierFor(config, where) {
  const options = v2Options(config)
  try {
    return { verifier: new Verifier(options), error: null }
  } catch (err) {
    assert.ok(err instanceof NotifyError, `${where}: construction error is a NotifyError: ${err && err.stack}`)
    checkMessage(err, where)
    // Whatever the configuration got wrong, the message never repeats the key.
    assert.ok(!err.message.includes(config.apiKey), `${where}: the message repeats the API key`)
    return { verifier: null, error: err.code }
  }
}

function checkFields(fields, list, expected, where) {
  // The list keeps the exact document order; the object has the same entries, in that order.
  assert.deepEqual(list, expected, `${where}: list`)
  assert.deepEqual(Object.keys(fields), expected.map(([name]) => name), `${where}: object keys in order`)
  for (const [name, value] of expected) {
    assert.ok(Object.hasOwn(fields, name), `${where}: own property ${name}`)
    assert.equal(fields[name], value, `${where}: ${name}`)
  }
}

// A typed property the core reports as an error (an amount present in another form) is written
// `{"error": code}` in the vectors.
const typedError = (want) =>
  want !== null && typeof want === 'object' && !Array.isArray(want) && Object.keys(want).join() === 'error' ? want.error : null

// One typed property (an enumerable getter: see checkResult): an error throws a NotifyError with
// that code on every read (a new one each time); any other value is the expected value, the same
// one on every read (cached: an array is the same array).
function checkTypedValue(owner, prop, want, where) {
  const code = typedError(want)
  if (code !== null) {
    const errors = [0, 1].map(() => rejection(() => owner[prop], `${where}: ${prop}`))
    for (const err of errors) assert.equal(err.code, code, `${where}: ${prop}`)
    assert.notEqual(errors[0], errors[1], `${where}: ${prop}: a new error on every read`)
    return
  }
  const expected = Array.isArray(want)
    ? want.map((item) => Object.fromEntries(Object.entries(item).map(([k, v]) => [camel(k), exact(v)])))
    : exact(want)
  assert.deepEqual(owner[prop], expected, `${where}: ${prop}`)
  assert.equal(owner[prop], owner[prop], `${where}: ${prop} is cached`)
}

// The first typed error of a vector's typed values (a view's, for APIv3), or null.
function firstTypedError(typed) {
  for (const want of Object.values(typed ?? {})) {
    const code = typedError(want)
    if (code !== null) return code
  }
  return null
}

// Every key of `expected.typed` (the core's every typed property) must be a property of the
// result with the same value, and the result has no typed property the vector lacks.
function checkTyped(result, typed, type, where) {
  for (const [name, want] of Object.entries(typed)) {
    const prop = camel(name)
    assert.ok(names(result).includes(prop), `${where}: the result lacks the typed property ${prop} (core: ${name})`)
    checkTypedValue(result, prop, want, where)
  }
  const extra = names(result).filter((k) => !DOCUMENTS[type].includes(k) && !Object.keys(typed).map(camel).includes(k))
  assert.deepEqual(extra, [], `${where}: typed properties the core does not declare`)
}

async function runNotifications(t, name, method, type) {
  const file = load(name)
  let ran = 0
  let checkedValid = 0
  for (const [index, group] of file.testGroups.entries()) {
    assert.equal(group.type, type)
    const { verifier, error: configError } = verifierFor(group.config, `${name} testGroups[${index}].config`)
    for (const tc of group.tests) {
      const where = `${name} tcId ${tc.tcId} (${tc.comment})`
      ran++
      await t.test(where, () => runCase(tc, where, verifier, configError, method, type))
      if (tc.result === 'valid') checkedValid++
    }
  }
  assert.equal(ran, file.numberOfTests, `${name}: ran ${ran} of numberOfTests ${file.numberOfTests}`)
  assert.ok(checkedValid > 0, `${name}: some valid cases`)
}

function runCase(tc, where, verifier, configError, method, type) {
  if (configError !== null) {
    assert.equal(tc.result, 'invalid', `${where}: config failed with ${configError}`)
    assert.equal(configError, tc.error, where)
    return
  }
  const raw = body(tc)
  if (tc.result === 'invalid') {
    assert.equal(rejection(() => verifier[method](raw), where).code, tc.error, where)
    return
  }
  assert.equal(tc.result, 'valid', where)
  const inputs = [raw, new Uint8Array(raw)]
  if (typeof tc.body === 'string') inputs.push(tc.body)
  for (const input of inputs) {
    const result = verifier[method](input)
    checkResult(result, where)
    checkFields(result.fields, result.fieldList, tc.expected.fields, `${where}: fields`)
    if (type === 'V2Refund') checkFields(result.reqInfo, result.reqInfoList, tc.expected.reqInfo, `${where}: reqInfo`)
    checkTyped(result, tc.expected.typed, type, where)
    checkToJSON(result, firstTypedError(tc.expected.typed), where)
  }
}

test('v2_pay.json: every case, same verdict and code', async (t) => {
  await runNotifications(t, 'v2_pay.json', 'verifyPayment', 'V2Pay')
})

test('v2_refund.json: every case, same verdict and code', async (t) => {
  await runNotifications(t, 'v2_refund.json', 'decryptRefund', 'V2Refund')
})

test('v2_sign.json: every case', () => {
  const file = load('v2_sign.json')
  let ran = 0
  for (const group of file.testGroups) {
    assert.equal(group.type, 'V2Sign')
    for (const tc of group.tests) {
      const where = `v2_sign.json tcId ${tc.tcId} (${tc.comment})`
      ran++
      if (tc.result === 'valid') {
        assert.equal(sign(tc.fields, tc.apiKey, tc.signType), tc.signature, where)
        const names = tc.fields.map(([k]) => k)
        if (new Set(names).size === names.length) {
          // The same fields as a plain object sign the same (order does not matter).
          assert.equal(sign(Object.fromEntries(tc.fields), tc.apiKey, tc.signType), tc.signature, where)
        }
      } else {
        assert.equal(rejection(() => sign(tc.fields, tc.apiKey, tc.signType), where).code, tc.error, where)
      }
    }
  }
  assert.equal(ran, file.numberOfTests)
})

test('reply.json: every case, byte for byte, and the HTTP reply of every code', () => {
  const file = load('reply.json')
  let ran = 0
  for (const group of file.testGroups) {
    assert.ok(['Reply', 'HttpReply'].includes(group.type), group.type)
    for (const tc of group.tests) {
      ran++
      const where = `reply.json tcId ${tc.tcId} (${tc.comment})`
      if (group.type === 'HttpReply') {
        const v2 = tc.version === 'v2'
        const made = tc.kind === 'success'
          ? () => (v2 ? replyV2Success() : replyV3Success())
          : () => (v2 ? replyV2Fail(tc.code) : replyV3Fail(tc.code))
        if (tc.result === 'valid') {
          const got = made()
          assert.ok(got instanceof HttpReply, where)
          assert.deepEqual(got.toObject(), tc.expected, where)
        } else {
          assert.equal(rejection(made, where).code, tc.error, where)
        }
        continue
      }
      assert.equal(tc.result, 'valid')
      const got = tc.kind === 'success' ? replySuccess() : replyFail(tc.message)
      assert.equal(got, tc.expected, where)
    }
  }
  assert.equal(ran, file.numberOfTests)
})

// ---- APIv3 ----------------------------------------------------------------------------------

// A v3 config of the vectors as V3Verifier options: platformKeys as [id, pem] pairs (in order), or
// as an object of id -> PEM.
function v3Options(config, keysAsObject) {
  const options = {
    apiV3Key: config.apiV3Key,
    platformKeys: keysAsObject ? Object.fromEntries(config.platformKeys) : config.platformKeys,
  }
  if (config.maxClockSkew != null) options.maxClockSkew = config.maxClockSkew
  if (config.maxBodyBytes != null) options.maxBodyBytes = config.maxBodyBytes
  if (config.mchIds != null) options.mchIds = config.mchIds
  return options
}

function build(fn, where) {
  try {
    return { built: fn(), error: null }
  } catch (err) {
    assert.ok(err instanceof NotifyError, `${where}: construction error is a NotifyError: ${err && err.stack}`)
    checkMessage(err, where)
    return { built: null, error: err.code }
  }
}

// The header forms a handler passes: the vector's [name, value] pairs, and (when no name repeats)
// an object with lower-case names, as Node's req.headers gives it.
function headerForms(pairs) {
  const forms = [pairs]
  const names = pairs.map(([k]) => k.toLowerCase())
  if (new Set(names).size === names.length) forms.push(Object.fromEntries(pairs.map(([k, v]) => [k.toLowerCase(), v])))
  return forms
}

function bodyForms(tc) {
  const raw = body(tc)
  const forms = [raw, new Uint8Array(raw)]
  if (typeof tc.body === 'string') forms.push(tc.body)
  return forms
}

// A typed view of the vectors (snake_case keys, every property of the view) against the result's
// view object: every expected key is a property with the same value, and nothing else.
function checkView(got, want, where) {
  if (want === null) {
    assert.equal(got, null, where)
    return
  }
  checkResult(got, where)
  for (const [name, value] of Object.entries(want)) {
    const prop = camel(name)
    assert.ok(names(got).includes(prop), `${where}: the view lacks the typed property ${prop} (core: ${name})`)
    checkTypedValue(got, prop, value, where)
  }
  assert.deepEqual(names(got).filter((k) => !Object.keys(want).map(camel).includes(k)), [], `${where}: properties the core does not declare`)
  checkToJSON(got, firstTypedError(want), where)
}

function checkV3(n, expected, where) {
  checkResult(n, where)
  assert.deepEqual(names(n), V3_PROPERTIES, `${where}: properties`)
  assert.equal(n.id, expected.id, `${where}: id`)
  assert.equal(n.createTime, expected.create_time, `${where}: createTime`)
  assert.equal(n.eventType, expected.event_type, `${where}: eventType`)
  assert.equal(n.resourceType, expected.resource_type, `${where}: resourceType`)
  assert.equal(n.summary, expected.summary, `${where}: summary`)
  assert.equal(n.plaintext, expected.plaintext, `${where}: plaintext`)
  assert.deepEqual(n.resource, jsonNumbers(expected.resource), `${where}: resource`)
  const typed = expected.typed
  assert.deepEqual(Object.keys(typed).sort(), [...V3_OWN, ...V3_VIEWS].sort(), `${where}: typed keys of the vector`)
  for (const name of V3_OWN) assert.equal(n[camel(name)], typed[name], `${where}: ${camel(name)}`)
  for (const view of V3_VIEWS) {
    checkView(n[camel(view)], typed[view], `${where}: ${view}`)
    assert.equal(n[camel(view)], n[camel(view)], `${where}: the same ${view} view on every read`)
  }
  checkToJSON(n, V3_VIEWS.map((view) => firstTypedError(typed[view])).find((e) => e !== null) ?? null, where)
}

test('v3_notify.json: every case, same verdict and code', async (t) => {
  const name = 'v3_notify.json'
  const file = load(name)
  let ran = 0
  let checkedValid = 0
  for (const [index, group] of file.testGroups.entries()) {
    assert.equal(group.type, 'V3Notify')
    const where = `${name} testGroups[${index}].config`
    // The same keys given both ways must build the same verifier (or fail with the same code).
    const ids = group.config.platformKeys.map(([id]) => id)
    const builds = [build(() => new V3Verifier(v3Options(group.config, false)), where)]
    if (new Set(ids).size === ids.length) builds.push(build(() => new V3Verifier(v3Options(group.config, true)), `${where} (object)`))
    for (const b of builds) assert.equal(b.error, builds[0].error, where)
    for (const tc of group.tests) {
      const at = `${name} tcId ${tc.tcId} (${tc.comment})`
      ran++
      if (tc.result === 'valid') checkedValid++
      await t.test(at, () => {
        if (builds[0].error !== null) {
          assert.equal(tc.result, 'invalid', `${at}: config failed with ${builds[0].error}`)
          assert.equal(builds[0].error, tc.error, at)
          return
        }
        for (const { built: verifier } of builds) {
          for (const headers of headerForms(tc.headers)) {
            for (const input of bodyForms(tc)) {
              if (tc.result === 'invalid') {
                assert.equal(rejection(() => verifier.verify(headers, input, { now: tc.now }), at).code, tc.error, at)
              } else {
                assert.equal(tc.result, 'valid', at)
                checkV3(verifier.verify(headers, input, { now: tc.now }), tc.expected, at)
              }
            }
          }
        }
      })
    }
  }
  assert.equal(ran, file.numberOfTests, `${name}: ran ${ran} of numberOfTests ${file.numberOfTests}`)
  assert.ok(checkedValid > 0, `${name}: some valid cases`)
})

// ---- Endpoint -------------------------------------------------------------------------------

function profileOptions(p) {
  const options = {
    label: p.label,
    v2: p.v2 === null ? null : v2Options(p.v2),
    v3: p.v3 === null ? null : v3Options(p.v3, false),
  }
  if (p.mchId != null) options.mchId = p.mchId
  return options
}

// The notification an Endpoint returns is the result its version's verifier gives.
function checkNotification(kind, n, where) {
  checkResult(n, where)
  if (kind === 'v2_payment') {
    assert.deepEqual(n.fieldList, Object.entries(n.fields), where)
    assert.equal(typeof n.signType, 'string', where)
  } else if (kind === 'v2_refund') {
    assert.deepEqual(n.fieldList, Object.entries(n.fields), where)
    assert.deepEqual(n.reqInfoList, Object.entries(n.reqInfo), where)
  } else {
    assert.equal(kind, 'v3', where)
    assert.deepEqual(names(n), V3_PROPERTIES, where)
    assert.deepEqual(n.resource, JSON.parse(n.plaintext), where)
  }
}

test('endpoint.json: every case, same verdict, code, merchant and reply', async (t) => {
  const name = 'endpoint.json'
  const file = load(name)
  let ran = 0
  let checkedValid = 0
  for (const [index, group] of file.testGroups.entries()) {
    assert.equal(group.type, 'Endpoint')
    const where = `${name} testGroups[${index}].config`
    const { built: endpoint, error } = build(() => new Endpoint({ profiles: group.config.profiles.map(profileOptions) }), where)
    for (const tc of group.tests) {
      const at = `${name} tcId ${tc.tcId} (${tc.comment})`
      ran++
      if (tc.result === 'valid') checkedValid++
      await t.test(at, () => {
        if (error !== null) {
          assert.equal(tc.result, 'invalid', `${at}: the endpoint failed to build with ${error}`)
          assert.equal(error, tc.error, at)
          return
        }
        assert.deepEqual(endpoint.labels(), group.config.profiles.map((p) => p.label), at)
        const want = tc.expected
        for (const headers of headerForms(tc.headers)) {
          for (const input of bodyForms(tc)) {
            if (tc.result === 'invalid') {
              const err = rejection(() => endpoint.handle(headers, input, { now: tc.now }), at)
              assert.equal(err.code, tc.error, at)
              assert.equal(err.version, want.version, `${at}: version`)
              assert.equal(err.label, want.label, `${at}: label`)
              assert.deepEqual(err.reply.toObject(), want.reply, `${at}: reply`)
            } else {
              assert.equal(tc.result, 'valid', at)
              const h = endpoint.handle(headers, input, { now: tc.now })
              checkResult(h, at)
              assert.deepEqual(names(h), ['label', 'kind', 'notification', 'reply', 'internalErrorReply', 'isSuccess', 'dedupeKey'], at)
              assert.equal(h.label, want.label, `${at}: label`)
              assert.equal(h.kind, want.kind, `${at}: kind`)
              assert.equal(h.isSuccess, want.isSuccess, `${at}: isSuccess`)
              assert.equal(h.dedupeKey, want.dedupeKey, `${at}: dedupeKey`)
              assert.deepEqual(h.reply.toObject(), want.reply, `${at}: reply`)
              // Our own failure after verification: 500 with the version's refusal body.
              const failed = h.kind === 'v3' ? ['application/json', '{"code":"FAIL","message":"rejected"}'] : ['text/xml', replyFail('rejected')]
              assert.deepEqual(h.internalErrorReply.toObject(), { status: 500, contentType: failed[0], body: failed[1] }, at)
              assert.equal(h.notification.isSuccess, h.isSuccess, at)
              assert.equal(h.notification.dedupeKey, h.dedupeKey, at)
              checkNotification(h.kind, h.notification, at)
              assert.equal(h.notification, h.notification, `${at}: the same notification on every read`)
              checkToJSON(h, null, at)
            }
          }
        }
      })
    }
  }
  assert.equal(ran, file.numberOfTests, `${name}: ran ${ran} of numberOfTests ${file.numberOfTests}`)
  assert.ok(checkedValid > 0, `${name}: some valid cases`)
})

// A result of each kind, from the first valid case of its vector file.
function sampleResult(name, method) {
  const file = load(name)
  for (const group of file.testGroups) {
    const tc = group.tests.find((c) => c.result === 'valid')
    if (tc) return verifierFor(group.config, name).verifier[method](body(tc))
  }
  assert.fail(`${name}: no valid case`)
}

// The first valid APIv3 notification with the view `view` (a key of V3_VIEWS).
function sampleV3Notification(view) {
  const file = load('v3_notify.json')
  for (const group of file.testGroups) {
    const tc = group.tests.find((c) => c.result === 'valid' && c.expected.typed[view] !== null)
    if (tc) return new V3Verifier(v3Options(group.config, false)).verify(tc.headers, body(tc), { now: tc.now })
  }
  assert.fail(`v3_notify.json: no valid ${view}`)
}

// The APIv3 view `view` (a key of V3_VIEWS) of the first valid case that has one.
function sampleV3View(view) {
  return sampleV3Notification(view)[camel(view)]
}

// The endpoint's result of the first valid case of endpoint.json.
function sampleHandled() {
  for (const group of load('endpoint.json').testGroups) {
    const tc = group.tests.find((c) => c.result === 'valid')
    if (tc) return new Endpoint({ profiles: group.config.profiles.map(profileOptions) }).handle(tc.headers, body(tc), { now: tc.now })
  }
  assert.fail('endpoint.json: no valid case')
}

const KIND_CHECKS = {
  text: (v) => v === null || typeof v === 'string',
  amount: (v) => v === null || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'bigint' && v > MAX_SAFE),
  bool: (v) => typeof v === 'boolean',
  string: (v) => typeof v === 'string',
  sign_type: (v) => v === 'MD5' || v === 'HMAC-SHA256',
  coupons: (v) =>
    Array.isArray(v) &&
    v.every((c) => Object.keys(c).join() === 'id,couponType,fee' && typeof c.id === 'string' && KIND_CHECKS.text(c.couponType) && KIND_CHECKS.amount(c.fee)),
}

test('v3_key_dirs.json: every case, same ids or code, the file named', () => {
  const name = 'v3_key_dirs.json'
  const file = load(name)
  let ran = 0
  for (const group of file.testGroups) {
    assert.equal(group.type, 'V3KeyDir')
    for (const tc of group.tests) {
      const label = `${name} tcId ${tc.tcId}: ${tc.comment}`
      const dir = path.join(VECTORS, tc.dir)
      if (tc.result === 'valid') {
        const keys = TrustedKeys.fromDir(dir)
        assert.deepEqual(keys.ids, tc.ids, label)
        assert.equal(keys.size, tc.ids.length, label)
        // Usable as it is by a verifier.
        const v = new V3Verifier({ apiV3Key: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb', platformKeys: keys })
        assert.deepEqual(v.trustedKeyIds(), tc.ids, label)
      } else {
        assert.throws(
          () => TrustedKeys.fromDir(dir),
          (err) => {
            assert.ok(err instanceof NotifyError, label)
            assert.equal(err.code, tc.error, label)
            assert.ok(err.message.includes(tc.messageIncludes), `${label}: ${err.message}`)
            checkMessage(err, label)
            return true
          },
          label,
        )
      }
      ran++
    }
  }
  assert.equal(ran, file.numberOfTests, `${name}: ran ${ran} of numberOfTests ${file.numberOfTests}`)
})

test('typed properties are exactly the core declaration (tests/vectors/typed_views.json), both directions', async (t) => {
  const file = path.join(VECTORS, 'typed_views.json')
  assert.ok(fs.existsSync(file), `${file} is missing: regenerate the vectors (cargo run -p xtask -- vectors)`)
  const declared = JSON.parse(fs.readFileSync(file, 'utf8'))
  assert.equal(declared.schema, 'wechatpay-notify/typed-views/1')
  // The result objects of this binding, by view name.
  const results = {
    payment: () => [sampleResult('v2_pay.json', 'verifyPayment'), DOCUMENTS.V2Pay],
    refund: () => [sampleResult('v2_refund.json', 'decryptRefund'), DOCUMENTS.V2Refund],
    v3_transaction: () => [sampleV3View('transaction'), []],
    v3_refund: () => [sampleV3View('refund'), []],
    v3_profit_sharing: () => [sampleV3View('profit_sharing'), []],
    v3_transfer: () => [sampleV3View('transfer'), []],
    v3_complaint: () => [sampleV3View('complaint'), []],
    v3_notification: () => [sampleV3Notification('transaction'), [...V3_VIEWS.map(camel), 'resource']],
    endpoint_result: () => [sampleHandled(), ['label', 'kind', 'notification', 'reply', 'internalErrorReply']],
  }
  // Both directions: every Node result type is declared by the core, every declared view has one.
  assert.deepEqual(Object.keys(declared.views).sort(), Object.keys(results).sort(), 'typed views: core vs Node')
  for (const [view, properties] of Object.entries(declared.views)) {
    await t.test(`${view}: same typed properties, same kinds`, () => {
      const [result, documents] = results[view]()
      const core = properties.map((p) => camel(p.name))
      const ours = names(result).filter((k) => !documents.includes(k))
      assert.deepEqual(core.filter((k) => !ours.includes(k)), [], `${view}: declared by the core, missing in Node`)
      assert.deepEqual(ours.filter((k) => !core.includes(k)), [], `${view}: in Node, not declared by the core`)
      for (const p of properties) {
        assert.ok(p.kind in KIND_CHECKS, `${view}.${p.name}: unknown kind ${p.kind}`)
        const value = result[camel(p.name)]
        assert.ok(KIND_CHECKS[p.kind](value), `${view}.${camel(p.name)} = ${String(value)} is not a ${p.kind}`)
      }
    })
  }
})

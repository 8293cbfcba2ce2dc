'use strict'
// The APIv3 and Endpoint surface: result shapes, header and key forms, the clock, exact amounts
// against JSON.parse, replies, refusals with their merchant and reply, and the misuse rule (a wrong
// argument type is a TypeError; a value of the right type that the core refuses is a NotifyError
// with its code). Every vector case is run by vectors.test.js; these cases take a few of them.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { V3Verifier, Endpoint, Verifier, NotifyError, CODES, sign, replyV3Success, replyV3Fail, replySuccess } = require('..')

const VECTORS = path.join(__dirname, '..', '..', '..', 'tests', 'vectors')
const V3 = JSON.parse(fs.readFileSync(path.join(VECTORS, 'v3_notify.json'), 'utf8'))
const ENDPOINT = JSON.parse(fs.readFileSync(path.join(VECTORS, 'endpoint.json'), 'utf8'))
const CONFIG = V3.testGroups[0].config
const KEY = CONFIG.apiV3Key
const v2Key = '192006250b4c09247ec02edce69f6a2d'

const v3Case = (tcId) => V3.testGroups.flatMap((g) => g.tests).find((t) => t.tcId === tcId)
const PAYMENT = v3Case(1) // TRANSACTION.SUCCESS, public key mode
const REFUND = v3Case(8) // REFUND.SUCCESS
const BIG = v3Case(14) // amount.total = 2^53 + 1
const OTHER = v3Case(11) // another event type
const verifier = () => new V3Verifier({ apiV3Key: KEY, platformKeys: CONFIG.platformKeys })
const headerObject = (pairs) => Object.fromEntries(pairs.map(([k, v]) => [k.toLowerCase(), v]))

function notifyError(fn, code) {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof NotifyError, `a NotifyError, got ${err && err.stack}`)
    assert.ok(CODES.includes(err.code))
    assert.ok(err.message.length > 0 && err.message.length <= 200)
    if (code !== undefined) assert.equal(err.code, code, err.message)
    return err
  }
  assert.fail('expected a NotifyError')
}

function typeError(fn) {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof TypeError, `a TypeError, got ${err && err.stack}`)
    assert.ok(!(err instanceof NotifyError))
    return err
  }
  assert.fail('expected a TypeError')
}

test('V3Verifier: a plain object with the event, the exact plaintext, the parsed resource and typed views', () => {
  const n = verifier().verify(PAYMENT.headers, PAYMENT.body, { now: PAYMENT.now })
  assert.equal(Object.getPrototypeOf(n), Object.prototype)
  assert.equal(n.id, PAYMENT.expected.id)
  assert.equal(n.eventType, 'TRANSACTION.SUCCESS')
  assert.equal(n.plaintext, PAYMENT.expected.plaintext)
  // resource is JSON.parse(plaintext): the keys in the order sent.
  assert.deepEqual(n.resource, JSON.parse(n.plaintext))
  assert.deepEqual(Object.keys(n.resource), Object.keys(JSON.parse(PAYMENT.expected.plaintext)))
  assert.equal(n.isSuccess, true)
  assert.equal(n.dedupeKey, n.transaction.transactionId)
  assert.equal(n.refund, null)
  assert.equal(Object.getPrototypeOf(n.transaction), Object.prototype)
  assert.equal(n.transaction.amountTotal, 999)
  assert.equal(n.transaction.payerOpenid, n.resource.payer.openid)
  assert.equal(n.transaction.spMchid, null)
  for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(n))) {
    assert.ok(d.enumerable && d.writable && 'value' in d, name)
  }
  assert.deepEqual(structuredClone(n), n)
  assert.deepEqual(JSON.parse(JSON.stringify(n)), n)

  const r = verifier().verify(REFUND.headers, REFUND.body, { now: REFUND.now })
  assert.equal(r.transaction, null)
  assert.equal(r.refund.refundStatus, 'SUCCESS')
  assert.equal(r.dedupeKey, r.refund.refundId)
  assert.equal(typeof r.refund.amountRefund, 'number')

  const o = verifier().verify(OTHER.headers, OTHER.body, { now: OTHER.now })
  assert.equal(o.transaction, null)
  assert.equal(o.refund, null)
  assert.equal(o.dedupeKey, o.id)
})

test('amounts: exact in the typed views (bigint beyond 2^53), JSON.parse semantics in resource', () => {
  const n = verifier().verify(BIG.headers, BIG.body, { now: BIG.now })
  assert.ok(n.plaintext.includes('"total":9007199254740993'))
  assert.equal(n.transaction.amountTotal, 9007199254740993n)
  // Documented: resource is JSON.parse(plaintext), whose numbers are doubles.
  assert.equal(n.resource.amount.total, 9007199254740992)
})

test('platform keys: an object of id -> PEM or [id, pem] pairs; ids as configured, serials numerically', () => {
  const fromPairs = verifier()
  const fromObject = new V3Verifier({ apiV3Key: KEY, platformKeys: Object.fromEntries(CONFIG.platformKeys) })
  assert.deepEqual(fromObject.trustedKeyIds(), fromPairs.trustedKeyIds())
  // In order; certificates by their uppercase hex serial (no leading zeros), public keys as given.
  assert.deepEqual(
    fromPairs.trustedKeyIds(),
    CONFIG.platformKeys.map(([id]) => (id.startsWith('PUB_KEY_ID_') ? id : BigInt(`0x${id}`).toString(16).toUpperCase())),
  )
  assert.equal(fromPairs.trusts('d7ce59d1f522d701'), true) // hex serials: case and leading zeros do not matter
  assert.equal(fromPairs.trusts('00D7CE59D1F522D701'), true)
  assert.equal(fromPairs.trusts('PUB_KEY_ID_0114232134912410000000000000'), true)
  assert.equal(fromPairs.trusts('pub_key_id_0114232134912410000000000000'), false) // other ids exactly
  assert.deepEqual(fromObject.verify(PAYMENT.headers, PAYMENT.body, { now: PAYMENT.now }), fromPairs.verify(PAYMENT.headers, PAYMENT.body, { now: PAYMENT.now }))
  assert.equal(Object.prototype.toString.call(fromPairs), '[object V3Verifier]')
  assert.ok(!require('node:util').inspect(fromPairs, { showHidden: true, depth: 5 }).includes(KEY))
})

test('headers: req.headers objects (any case, list values, undefined) and [name, value] pairs', () => {
  const v = verifier()
  const want = v.verify(PAYMENT.headers, PAYMENT.body, { now: PAYMENT.now })
  const asNode = { host: 'example.com', 'set-cookie': ['a=1', 'b=2'], 'x-absent': undefined, ...headerObject(PAYMENT.headers) }
  assert.deepEqual(v.verify(asNode, PAYMENT.body, { now: PAYMENT.now }), want)
  const upper = Object.fromEntries(PAYMENT.headers.map(([k, val]) => [k.toUpperCase(), val]))
  assert.deepEqual(v.verify(upper, Buffer.from(PAYMENT.body), { now: PAYMENT.now }), want)
  // A Wechatpay-* header twice (a list, or two spellings) is refused: which copy counts is undefined.
  const serial = PAYMENT.headers.find(([k]) => k === 'Wechatpay-Serial')[1]
  notifyError(() => v.verify({ ...headerObject(PAYMENT.headers), 'wechatpay-serial': [serial, serial] }, PAYMENT.body, { now: PAYMENT.now }), 'invalid_argument')
  notifyError(() => v.verify({ ...headerObject(PAYMENT.headers), 'WECHATPAY-SERIAL': serial }, PAYMENT.body, { now: PAYMENT.now }), 'invalid_argument')
  notifyError(() => v.verify({}, PAYMENT.body, { now: PAYMENT.now }), 'missing_header')
})

test('now: Unix seconds; the clock by default; refused when not a non-negative integer', () => {
  const v = verifier()
  const outcome = (fn) => {
    try {
      return fn().id
    } catch (err) {
      return err.code
    }
  }
  // Without `now` the verifier reads the clock: the same verdict as with the clock passed in.
  const clock = Math.floor(Date.now() / 1000)
  assert.equal(outcome(() => v.verify(PAYMENT.headers, PAYMENT.body)), outcome(() => v.verify(PAYMENT.headers, PAYMENT.body, { now: clock })))
  assert.equal(outcome(() => v.verify(PAYMENT.headers, PAYMENT.body, {})), outcome(() => v.verify(PAYMENT.headers, PAYMENT.body, { now: null })))
  notifyError(() => v.verify(PAYMENT.headers, PAYMENT.body, { now: PAYMENT.now + 301 }), 'timestamp_out_of_window')
  for (const now of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
    assert.match(notifyError(() => v.verify(PAYMENT.headers, PAYMENT.body, { now }), 'invalid_argument').message, /now/)
  }
})

test('V3Verifier misuse, right type: values the core refuses are NotifyErrors with their code', () => {
  const cases = [
    [{ apiV3Key: 'testMchAPIv3Key0', platformKeys: [] }, /32 bytes/],
    [{ apiV3Key: KEY + 'x', platformKeys: [] }, /32 bytes/],
    [{ apiV3Key: KEY, platformKeys: { PUB_KEY_ID_1: 'not a PEM' } }, /PEM|key/i],
    [{ apiV3Key: KEY, platformKeys: [CONFIG.platformKeys[1], CONFIG.platformKeys[1]] }, /twice/],
    [{ apiV3Key: KEY, platformKeys: [], maxClockSkew: -1 }, /maxClockSkew/],
    [{ apiV3Key: KEY, platformKeys: [], maxClockSkew: 0.5 }, /maxClockSkew/],
    [{ apiV3Key: KEY, platformKeys: [], maxBodyBytes: NaN }, /maxBodyBytes/],
  ]
  for (const [options, message] of cases) {
    const err = notifyError(() => new V3Verifier(options), 'invalid_config')
    assert.match(err.message, message)
    assert.ok(!err.message.includes(KEY))
  }
  const small = new V3Verifier({ apiV3Key: KEY, platformKeys: CONFIG.platformKeys, maxBodyBytes: 10, maxClockSkew: null })
  notifyError(() => small.verify(PAYMENT.headers, PAYMENT.body, { now: PAYMENT.now }), 'body_too_large')
})

test('V3Verifier misuse, wrong type: TypeError, never a NotifyError, never the key in the message', () => {
  const v = verifier()
  const cases = [
    () => new V3Verifier(),
    () => new V3Verifier(null),
    () => new V3Verifier({}),
    () => new V3Verifier({ apiV3Key: KEY }),
    () => new V3Verifier({ apiV3Key: KEY, platformKeys: 'PEM' }),
    () => new V3Verifier({ apiV3Key: KEY, platformKeys: [['id']] }),
    () => new V3Verifier({ apiV3Key: KEY, platformKeys: [['id', 'pem', 'x']] }),
    () => new V3Verifier({ apiV3Key: KEY, platformKeys: { id: 42 } }),
    () => new V3Verifier({ apiV3Key: KEY, platformKeys: [], maxClockSkew: '300' }),
    () => new V3Verifier({ apiV3Key: KEY, platformKeys: [], maxBodyBytes: 10n }),
    () => v.verify(undefined, PAYMENT.body),
    () => v.verify('Wechatpay-Serial: x', PAYMENT.body),
    () => v.verify([['Wechatpay-Serial']], PAYMENT.body),
    () => v.verify({ 'wechatpay-serial': 42 }, PAYMENT.body),
    () => v.verify({ 'wechatpay-serial': [42] }, PAYMENT.body),
    () => v.verify(PAYMENT.headers, 42),
    () => v.verify(PAYMENT.headers, new Uint16Array(4)),
    () => v.verify(PAYMENT.headers, PAYMENT.body, 1795000000),
    () => v.verify(PAYMENT.headers, PAYMENT.body, { now: '1795000000' }),
    () => v.verify(PAYMENT.headers, PAYMENT.body, { now: 1795000000n }),
    () => v.trusts(42),
    () => V3Verifier.prototype.verify.call({}, PAYMENT.headers, PAYMENT.body),
  ]
  for (const fn of cases) typeError(fn)
  for (const apiV3Key of [Buffer.from(KEY), [...KEY], { key: KEY }]) {
    const err = typeError(() => new V3Verifier({ apiV3Key, platformKeys: [] }))
    assert.match(err.message, /apiV3Key/)
    assert.ok(!err.message.includes(KEY) && !String(err.stack).includes(KEY))
  }
})

test('APIv3 replies: 204 on success; 401 / 400 / 500 with the code only on failure', () => {
  assert.deepEqual(replyV3Success(), { status: 204, contentType: null, body: '' })
  const forged = notifyError(() => verifier().verify(PAYMENT.headers, PAYMENT.body.replace('EV-', 'EW-'), { now: PAYMENT.now }), 'signature_mismatch')
  const json = (code) => `{"code":"FAIL","message":"${code}"}`
  assert.deepEqual(replyV3Fail(forged), { status: 401, contentType: 'application/json', body: json('signature_mismatch') })
  assert.deepEqual(replyV3Fail('malformed_json'), { status: 400, contentType: 'application/json', body: json('malformed_json') })
  assert.deepEqual(replyV3Fail('decrypt_failed').status, 400)
  assert.deepEqual(replyV3Fail('invalid_config').status, 500)
  // Any other failure of the handler (a database error, a bug) is `internal`: 500, WeChat Pay retries.
  assert.deepEqual(replyV3Fail(new Error('database is down')), { status: 500, contentType: 'application/json', body: json('internal') })
  for (const code of CODES) assert.equal(JSON.parse(replyV3Fail(code).body).message, code)
  notifyError(() => replyV3Fail('no_such_code'), 'invalid_argument')
  for (const bad of [undefined, null, 42, { code: 'signature_mismatch' }]) typeError(() => replyV3Fail(bad))
})

// ---- Endpoint -------------------------------------------------------------------------------

const GROUP = ENDPOINT.testGroups[0]
const byComment = (re) => GROUP.tests.find((t) => re.test(t.comment))
const profiles = () =>
  GROUP.config.profiles.map((p) => ({
    label: p.label,
    v2: { apiKey: p.v2.apiKey, signType: p.v2.signType, mchId: p.v2.mchId },
    v3: { apiV3Key: p.v3.apiV3Key, platformKeys: Object.fromEntries(p.v3.platformKeys) },
  }))

test('Endpoint: routes v2 and v3 requests to their merchant and gives the reply', () => {
  const e = new Endpoint({ profiles: profiles() })
  assert.deepEqual(e.labels(), ['shop-a', 'shop-b'])
  assert.equal(Object.prototype.toString.call(e), '[object Endpoint]')
  const v2 = byComment(/v2 payment for merchant B/)
  const h2 = e.handle({}, v2.body)
  assert.equal(h2.label, 'shop-b')
  assert.equal(h2.kind, 'v2_payment')
  assert.deepEqual(h2.reply, { status: 200, contentType: 'text/xml', body: replySuccess() })
  assert.deepEqual(h2.notification.fieldList, Object.entries(h2.notification.fields))
  assert.equal(h2.notification.mchId, '10000200')
  const v3 = byComment(/APIv3 payment for merchant A \(its public key id\)/)
  const h3 = e.handle(headerObject(v3.headers), Buffer.from(v3.body), { now: v3.now })
  assert.equal(h3.label, 'shop-a')
  assert.equal(h3.kind, 'v3')
  assert.deepEqual(h3.reply, replyV3Success())
  assert.deepEqual(h3.notification.resource, JSON.parse(h3.notification.plaintext))
  // One payment delivered by v2 and by v3 de-duplicates on the same key.
  assert.equal(h3.dedupeKey, h2.dedupeKey)
  assert.deepEqual(structuredClone(h3), h3)
})

test('Endpoint refusals: NotifyError with code, version, label and the reply to send', () => {
  const e = new Endpoint({ profiles: profiles() })
  const cross = byComment(/v2 body naming merchant A, signed with B's key/)
  const err = notifyError(() => e.handle([], cross.body), 'signature_mismatch')
  assert.equal(err.version, 'v2')
  assert.equal(err.label, 'shop-a')
  assert.deepEqual(err.reply, cross.expected.reply)
  const unknown = byComment(/key id no merchant trusts/)
  const u = notifyError(() => e.handle(unknown.headers, unknown.body, { now: unknown.now }), 'unknown_serial')
  assert.deepEqual([u.version, u.label, u.reply.status], ['v3', null, 401])
  const neither = notifyError(() => e.handle({ 'content-type': 'application/json' }, '{"id":"x"}'), 'malformed_xml')
  assert.deepEqual([neither.version, neither.label, neither.reply.status, neither.reply.contentType], [null, null, 400, 'text/xml'])
  // Other NotifyErrors carry no endpoint details.
  const plain = notifyError(() => new Verifier({ apiKey: 'short', signType: 'MD5' }), 'invalid_config')
  assert.equal('version' in plain || 'label' in plain || 'reply' in plain, false)
  // The raw addon returns the refusal (an object with `code`) rather than throwing it.
  const raw = require('../index.js')
  const native = new raw.NativeEndpoint({ profiles: profiles() })
  const out = native.handle([], cross.body)
  assert.deepEqual([out.code, out.version, out.label], ['signature_mismatch', 'v2', 'shop-a'])
})

test('Endpoint misuse: refused configurations are invalid_config; wrong types are TypeErrors', () => {
  const [a, b] = profiles()
  const refused = [
    { profiles: [] },
    { profiles: [{ label: 'a' }] },
    { profiles: [{ label: 'a', v2: null, v3: null }] },
    { profiles: [{ label: 'a', v2: { apiKey: v2Key, signType: 'MD5' } }] }, // no mchId
    { profiles: [a, { ...b, label: 'shop-a' }] },
    { profiles: [a, { ...b, v2: { ...b.v2, mchId: a.v2.mchId } }] },
    { profiles: [a, { ...b, v3: a.v3 }] },
    { profiles: [{ label: 'a', v2: { apiKey: 'short', signType: 'MD5', mchId: '1' } }] },
    { profiles: [{ label: 'a', v3: { apiV3Key: 'short', platformKeys: [] } }] },
  ]
  for (const options of refused) notifyError(() => new Endpoint(options), 'invalid_config')
  const e = new Endpoint({ profiles: [a] })
  const wrong = [
    () => new Endpoint(),
    () => new Endpoint({}),
    () => new Endpoint({ profiles: 'shop-a' }),
    () => new Endpoint({ profiles: [{ v2: a.v2 }] }),
    () => new Endpoint({ profiles: [{ label: 1, v2: a.v2 }] }),
    () => new Endpoint({ profiles: [{ label: 'a', v2: 'key' }] }),
    () => e.handle(null, '<xml/>'),
    () => e.handle({}, 42),
    () => e.handle({}, '<xml/>', { now: 'now' }),
    () => Endpoint.prototype.handle.call({}, {}, '<xml/>'),
  ]
  for (const fn of wrong) typeError(fn)
  notifyError(() => e.handle({}, '<xml/>', { now: -5 }), 'invalid_argument')
  for (const [where, profile] of [
    ['v2.apiKey', { label: 'a', v2: { apiKey: Buffer.from(v2Key), signType: 'MD5', mchId: '1' } }],
    ['v3.apiV3Key', { label: 'a', v3: { apiV3Key: Buffer.from(KEY), platformKeys: [] } }],
  ]) {
    const err = typeError(() => new Endpoint({ profiles: [profile] }))
    assert.ok(err.message.includes(where), err.message)
    assert.ok(!err.message.includes(v2Key) && !err.message.includes(KEY))
  }
})

test('Endpoint: a v2 notification signed by the package verifies through the endpoint', () => {
  const [a] = profiles()
  const pairs = [
    ['return_code', 'SUCCESS'],
    ['result_code', 'SUCCESS'],
    ['mch_id', a.v2.mchId],
    ['transaction_id', '4200000001'],
    ['out_trade_no', 'order-1'],
    ['total_fee', '1'],
  ]
  const body = `<xml>${pairs.map(([k, v]) => `<${k}>${v}</${k}>`).join('')}<sign>${sign(pairs, a.v2.apiKey, 'MD5')}</sign></xml>`
  const h = new Endpoint({ profiles: [a] }).handle({ 'content-type': 'text/xml' }, body)
  assert.deepEqual([h.label, h.kind, h.isSuccess, h.dedupeKey, h.notification.totalFee], ['shop-a', 'v2_payment', true, '4200000001', 1])
})

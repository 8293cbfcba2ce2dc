'use strict'
// The APIv3 and Endpoint surface: result shapes, header and key forms, the clock, exact amounts
// against JSON.parse, replies, refusals with their merchant and reply, and the misuse rule (a wrong
// argument type is a TypeError; a value of the right type that the core refuses is a NotifyError
// with its code). Every vector case is run by vectors.test.js; these cases take a few of them.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { V3Verifier, Endpoint, Verifier, NotifyError, CODES, sign, replyV3Success, replyV3Fail, replySuccess, replyRefusal } = require('..')

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

test('V3Verifier: the event, the exact plaintext, the parsed resource and typed views', () => {
  const n = verifier().verify(PAYMENT.headers, PAYMENT.body, { now: PAYMENT.now })
  assert.equal(n.constructor.name, 'V3Notification')
  assert.equal(n.id, PAYMENT.expected.id)
  assert.equal(n.eventType, 'TRANSACTION.SUCCESS')
  assert.equal(n.plaintext, PAYMENT.expected.plaintext)
  // resource is JSON.parse(plaintext): the keys in the order sent.
  assert.deepEqual(n.resource, JSON.parse(n.plaintext))
  assert.deepEqual(Object.keys(n.resource), Object.keys(JSON.parse(PAYMENT.expected.plaintext)))
  assert.equal(n.isSuccess, true)
  assert.equal(n.dedupeKey, n.transaction.transactionId)
  assert.equal(n.refund, null)
  assert.equal(n.transaction.constructor.name, 'V3Transaction')
  assert.equal(n.transaction.amountTotal, 999)
  assert.equal(n.transaction.payerOpenid, n.resource.payer.openid)
  assert.equal(n.transaction.spMchid, null)
  // Read once, then cached: the same view, the same resource object.
  assert.equal(n.transaction, n.transaction)
  assert.equal(n.resource, n.resource)
  // toJSON: every property as a plain object, the view too; what JSON.stringify writes and what
  // survives structuredClone.
  const plain = n.toJSON()
  assert.deepEqual(Object.keys(plain), [
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
  ])
  assert.equal(plain.profitSharing, null)
  assert.equal(Object.getPrototypeOf(plain.transaction), Object.prototype)
  assert.deepEqual(plain.transaction, n.transaction.toJSON())
  assert.deepEqual(structuredClone(plain), plain)
  assert.deepEqual(JSON.parse(JSON.stringify(n)), plain)

  const r = verifier().verify(REFUND.headers, REFUND.body, { now: REFUND.now })
  assert.equal(r.transaction, null)
  assert.equal(r.refund.refundStatus, 'SUCCESS')
  // A refund's key names its state: refund_id:STATUS (a later state is a new notification).
  assert.equal(r.dedupeKey, `${r.refund.refundId}:SUCCESS`)
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
  assert.deepEqual(fromObject.verify(PAYMENT.headers, PAYMENT.body, { now: PAYMENT.now }).toJSON(), fromPairs.verify(PAYMENT.headers, PAYMENT.body, { now: PAYMENT.now }).toJSON())
  assert.equal(Object.prototype.toString.call(fromPairs), '[object V3Verifier]')
  assert.ok(!require('node:util').inspect(fromPairs, { showHidden: true, depth: 5 }).includes(KEY))
})

test('headers: req.headers objects (any case, list values, undefined) and [name, value] pairs', () => {
  const v = verifier()
  const want = v.verify(PAYMENT.headers, PAYMENT.body, { now: PAYMENT.now }).toJSON()
  const asNode = { host: 'example.com', 'set-cookie': ['a=1', 'b=2'], 'x-absent': undefined, ...headerObject(PAYMENT.headers) }
  assert.deepEqual(v.verify(asNode, PAYMENT.body, { now: PAYMENT.now }).toJSON(), want)
  const upper = Object.fromEntries(PAYMENT.headers.map(([k, val]) => [k.toUpperCase(), val]))
  assert.deepEqual(v.verify(upper, Buffer.from(PAYMENT.body), { now: PAYMENT.now }).toJSON(), want)
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

test('APIv3 replies: 204 on success; 401 / 400 / 500 with one constant body on failure', () => {
  assert.deepEqual(replyV3Success().toObject(), { status: 204, contentType: null, body: '' })
  const forged = notifyError(() => verifier().verify(PAYMENT.headers, PAYMENT.body.replace('EV-', 'EW-'), { now: PAYMENT.now }), 'signature_mismatch')
  // Every refusal carries the same body; the code stays on the error for the logs (SPEC §2).
  const REFUSAL = '{"code":"FAIL","message":"rejected"}'
  assert.deepEqual(replyV3Fail(forged).toObject(), { status: 401, contentType: 'application/json', body: REFUSAL })
  assert.deepEqual(replyV3Fail('malformed_json').toObject(), { status: 400, contentType: 'application/json', body: REFUSAL })
  assert.deepEqual(replyV3Fail('decrypt_failed').status, 400)
  assert.deepEqual(replyV3Fail('unsupported_algorithm').status, 400)
  assert.deepEqual(replyV3Fail('invalid_config').status, 500)
  // Any other failure of the handler (a database error, a bug) is `internal`: 500, WeChat Pay retries.
  assert.deepEqual(replyV3Fail(new Error('database is down')).toObject(), { status: 500, contentType: 'application/json', body: REFUSAL })
  for (const code of CODES) assert.equal(replyV3Fail(code).body, REFUSAL, code)
  notifyError(() => replyV3Fail('no_such_code'), 'invalid_argument')
  for (const bad of [undefined, null, 42, { code: 'signature_mismatch' }]) typeError(() => replyV3Fail(bad))
})

// An APIv3 amount present in another form than a non-negative JSON integer is an error of its
// property (SPEC §2): the view's getter throws missing_field on every read.
test('APIv3 amounts present in another form: reading the view property throws missing_field', () => {
  const odd = [86, 87, 88, 89, 90].map(v3Case)
  for (const tc of odd) {
    const n = verifier().verify(tc.headers, tc.body, { now: tc.now })
    const t = n.transaction
    const d = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(t), 'amountTotal')
    assert.equal(typeof d.get, 'function', tc.comment)
    assert.ok(d.enumerable, tc.comment)
    assert.equal(notifyError(() => t.amountTotal, 'missing_field').code, 'missing_field')
    assert.match(notifyError(() => t.amountTotal).message, /amount_total/)
    // The other properties read as usual; util.inspect shows the error in its place.
    assert.equal(typeof t.transactionId, 'string', tc.comment)
    assert.match(require('node:util').inspect(t), /amountTotal: \[throws NotifyError missing_field\]/)
    // The result itself is ordinary; `resource` shows what was sent.
    assert.equal(n.isSuccess, true)
    assert.equal('typedErrors' in n, false)
    assert.deepEqual(n.resource, JSON.parse(n.plaintext))
    notifyError(() => JSON.stringify(n), 'missing_field')
    notifyError(() => n.toJSON(), 'missing_field')
  }
  // null is absent, not an error.
  assert.equal(verifier().verify(v3Case(91).headers, v3Case(91).body, { now: v3Case(91).now }).transaction.amountTotal, null)
})

// mchIds: the merchants the verifier serves; after decryption mchid (or a partner's sp_mchid)
// must be one of them.
const MCH_GROUP = V3.testGroups.find((g) => (g.config.mchIds ?? []).length > 0)
const mchVerifier = (mchIds) => new V3Verifier({ apiV3Key: MCH_GROUP.config.apiV3Key, platformKeys: MCH_GROUP.config.platformKeys, mchIds })

test('V3Verifier mchIds: accepted for its merchants, merchant_mismatch for others', () => {
  const v = mchVerifier(MCH_GROUP.config.mchIds)
  assert.deepEqual(v.mchIds, MCH_GROUP.config.mchIds)
  assert.notEqual(v.mchIds, v.mchIds) // a new array each time: the verifier cannot be changed through it
  v.mchIds.push('1')
  assert.deepEqual(v.mchIds, MCH_GROUP.config.mchIds)
  assert.throws(() => {
    v.mchIds = ['x'] // this file is strict: assigning to a getter-only property throws
  }, TypeError)
  for (const tc of MCH_GROUP.tests) {
    if (tc.result === 'valid') {
      const n = v.verify(tc.headers, tc.body, { now: tc.now })
      const r = n.resource
      assert.ok(MCH_GROUP.config.mchIds.includes(r.mchid ?? r.sp_mchid ?? r.mch_id), tc.comment)
    } else {
      assert.equal(tc.error, 'merchant_mismatch', tc.comment)
      notifyError(() => v.verify(tc.headers, tc.body, { now: tc.now }), 'merchant_mismatch')
    }
  }
  // The same notifications pass a verifier that serves any merchant; one id is enough for its own.
  const any = mchVerifier(undefined)
  assert.deepEqual(any.mchIds, [])
  assert.deepEqual(mchVerifier([]).mchIds, [])
  assert.deepEqual(mchVerifier(null).mchIds, [])
  const mismatch = MCH_GROUP.tests.find((t) => t.result === 'invalid' && /another merchant id/.test(t.comment))
  assert.equal(any.verify(mismatch.headers, mismatch.body, { now: mismatch.now }).id, JSON.parse(mismatch.body).id)
  const own = JSON.parse(any.verify(mismatch.headers, mismatch.body, { now: mismatch.now }).plaintext).mchid
  assert.equal(mchVerifier([own]).verify(mismatch.headers, mismatch.body, { now: mismatch.now }).resource.mchid, own)
  // Repeated ids are kept once, in order.
  assert.deepEqual(mchVerifier(['1', '2', '1']).mchIds, ['1', '2'])
})

test('V3Verifier mchIds misuse: an empty id is invalid_config; a wrong type is a TypeError', () => {
  assert.match(notifyError(() => mchVerifier(['1900000100', '']), 'invalid_config').message, /mch_id/)
  for (const bad of ['1900000100', 1900000100, [1900000100], [null], { 0: '1900000100' }]) {
    const err = typeError(() => mchVerifier(bad))
    assert.ok(!err.message.includes(MCH_GROUP.config.apiV3Key))
  }
  const getter = Object.getOwnPropertyDescriptor(V3Verifier.prototype, 'mchIds').get
  typeError(() => getter.call({}))
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
  assert.deepEqual(h2.reply.toObject(), { status: 200, contentType: 'text/xml', body: replySuccess() })
  assert.deepEqual(h2.notification.fieldList, Object.entries(h2.notification.fields))
  assert.equal(h2.notification.mchId, '10000200')
  const v3 = byComment(/APIv3 payment for merchant A \(its public key id\)/)
  const h3 = e.handle(headerObject(v3.headers), Buffer.from(v3.body), { now: v3.now })
  assert.equal(h3.label, 'shop-a')
  assert.equal(h3.kind, 'v3')
  assert.deepEqual(h3.reply.toObject(), replyV3Success().toObject())
  assert.deepEqual(h3.notification.resource, JSON.parse(h3.notification.plaintext))
  // One payment delivered by v2 and by v3 de-duplicates on the same key.
  assert.equal(h3.dedupeKey, h2.dedupeKey)
  assert.equal(h3.constructor.name, 'Handled')
  assert.equal(h3.notification, h3.notification)
  assert.equal(h3.reply, h3.reply)
  const plain = h3.toJSON()
  assert.deepEqual(Object.keys(plain), ['label', 'kind', 'notification', 'reply', 'internalErrorReply', 'isSuccess', 'dedupeKey'])
  assert.deepEqual(plain.notification, h3.notification.toJSON())
  assert.deepEqual(structuredClone(plain), plain)
})

test('Endpoint refusals: NotifyError with code, version, label and the reply to send', () => {
  const e = new Endpoint({ profiles: profiles() })
  const cross = byComment(/v2 body naming merchant A, signed with B's key/)
  const err = notifyError(() => e.handle([], cross.body), 'signature_mismatch')
  assert.equal(err.version, 'v2')
  assert.equal(err.label, 'shop-a')
  assert.deepEqual(err.reply.toObject(), cross.expected.reply)
  const unknown = byComment(/^an APIv3 request under a key id no merchant trusts/)
  const u = notifyError(() => e.handle(unknown.headers, unknown.body, { now: unknown.now }), 'unknown_serial')
  assert.deepEqual([u.version, u.label, u.reply.status], ['v3', null, 401])
  const neither = notifyError(() => e.handle({ 'content-type': 'application/json' }, '{"id":"x"}'), 'malformed_xml')
  assert.deepEqual([neither.version, neither.label, neither.reply.status, neither.reply.contentType], [null, null, 400, 'text/xml'])
  // A probe is recognised before routing, whatever its key id.
  const probe = byComment(/WECHATPAY\/SIGNTEST\/ probe/)
  const p = notifyError(() => e.handle(probe.headers, probe.body, { now: probe.now }), 'signature_probe')
  assert.deepEqual([p.version, p.label, p.reply.status], ['v3', null, 401])
  // Every refusal reply carries one constant message, never the code (SPEC §2).
  assert.deepEqual(err.reply.toObject(), { status: 200, contentType: 'text/xml', body: replyRefusal() })
  assert.deepEqual(neither.reply.body, replyRefusal())
  for (const r of [u, p]) assert.deepEqual(r.reply.toObject(), { ...replyV3Fail(r.code).toObject(), status: 401 })
  for (const r of [u, p]) assert.equal(r.reply.body, '{"code":"FAIL","message":"rejected"}')
  // An APIv3 body over the merchant's limit is body_too_large (400), before its signature.
  const v3 = byComment(/APIv3 payment for merchant A \(its public key id\)/)
  const big = notifyError(() => e.handle(v3.headers, v3.body + ' '.repeat(65536), { now: v3.now }), 'body_too_large')
  assert.deepEqual([big.version, big.label, big.reply.status], ['v3', 'shop-a', 400])
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

// A profile's mchId binds both versions: v2 notifications are routed by it (the v2 part then needs
// no mchId of its own) and APIv3 resources must name it (mchid, or a partner's sp_mchid).
test('Endpoint profile mchId: routes v2, binds APIv3, must agree with the v2 part', () => {
  const bound = ENDPOINT.testGroups.find((g) => g.config.profiles.some((p) => p.mchId != null && p.v2 === null))
  const [c] = bound.config.profiles
  const e = new Endpoint({ profiles: [{ label: c.label, mchId: c.mchId, v3: { apiV3Key: c.v3.apiV3Key, platformKeys: c.v3.platformKeys } }] })
  for (const tc of bound.tests) {
    if (tc.result === 'valid') {
      const h = e.handle(tc.headers, tc.body, { now: tc.now })
      assert.equal(h.label, c.label, tc.comment)
      const r = h.notification.resource
      assert.equal(r.mchid ?? r.sp_mchid, c.mchId, tc.comment)
    } else {
      const err = notifyError(() => e.handle(tc.headers, tc.body, { now: tc.now }), tc.error)
      assert.deepEqual([err.version, err.label, err.reply.toObject()], [tc.expected.version, tc.expected.label, tc.expected.reply], tc.comment)
    }
  }
  // The v2 part may leave its mchId to the profile: the same routing as before.
  const [a, b] = profiles()
  const { mchId, ...v2 } = a.v2
  const moved = new Endpoint({ profiles: [{ ...a, mchId, v2 }, b] })
  const v2Case = byComment(/v2 payment for merchant A/)
  assert.equal(moved.handle({}, v2Case.body).label, 'shop-a')
  // ... and binds A's APIv3 part too (as the v2 part's mchId does): B's mchid under A's key id is
  // refused after decryption.
  const crossed = byComment(/genuine for merchant A whose resource names merchant B's mchid/)
  notifyError(() => moved.handle(crossed.headers, crossed.body, { now: crossed.now }), 'merchant_mismatch')
  // A v3 part's own mchIds take precedence over the profile's id for APIv3.
  notifyError(() => new Endpoint({ profiles: profiles() }).handle(crossed.headers, crossed.body, { now: crossed.now }), 'merchant_mismatch')
  const own = new V3Verifier(a.v3).verify(crossed.headers, crossed.body, { now: crossed.now }).resource.mchid
  const widened = new Endpoint({ profiles: [{ ...a, mchId, v2, v3: { ...a.v3, mchIds: [mchId, own] } }, b] })
  assert.equal(widened.handle(crossed.headers, crossed.body, { now: crossed.now }).label, 'shop-a')
  // Refused: an empty id, an id that differs from the v2 part's, a wrong type.
  notifyError(() => new Endpoint({ profiles: [{ ...a, mchId: '' }] }), 'invalid_config')
  notifyError(() => new Endpoint({ profiles: [{ ...a, mchId: '1' }] }), 'invalid_config')
  notifyError(() => new Endpoint({ profiles: [{ ...a, v3: { ...a.v3, mchIds: [''] } }] }), 'invalid_config')
  typeError(() => new Endpoint({ profiles: [{ ...a, mchId: 10000100 }] }))
  typeError(() => new Endpoint({ profiles: [{ ...a, v3: { ...a.v3, mchIds: 'x' } }] }))
  // null means "not set", as for every option.
  assert.deepEqual(new Endpoint({ profiles: [{ ...a, mchId: null, v3: { ...a.v3, mchIds: null } }] }).labels(), ['shop-a'])
})

test('Endpoint: two v2 parts with the same API key are refused (a refund names no merchant)', () => {
  const [a, b] = profiles()
  const err = notifyError(() => new Endpoint({ profiles: [a, { ...b, v2: { ...b.v2, apiKey: a.v2.apiKey } }] }), 'invalid_config')
  assert.ok(!err.message.includes(a.v2.apiKey))
  assert.match(err.message, /API key/)
})

// Without any merchant id a v3-only profile serves whatever its keys sign (as before mchId).
test('Endpoint: a v3-only profile without mchId is routed by its key ids', () => {
  const e = new Endpoint({ profiles: [{ label: 'shop', v3: { apiV3Key: KEY, platformKeys: CONFIG.platformKeys } }] })
  const h = e.handle(PAYMENT.headers, PAYMENT.body, { now: PAYMENT.now })
  assert.deepEqual([h.label, h.kind, h.dedupeKey], ['shop', 'v3', h.notification.transaction.transactionId])
})

test('a body a JSON or form middleware already parsed is a TypeError saying how to get the raw body', () => {
  const parsed = JSON.parse(PAYMENT.body) // what express.json() leaves in req.body
  const e = new Endpoint({ profiles: [{ label: 'a', v3: { apiV3Key: KEY, platformKeys: CONFIG.platformKeys } }] })
  const v2 = new Verifier({ apiKey: v2Key, signType: 'MD5' })
  for (const fn of [
    () => verifier().verify(PAYMENT.headers, parsed, { now: PAYMENT.now }),
    () => e.handle(headerObject(PAYMENT.headers), parsed, { now: PAYMENT.now }),
    () => e.handle({}, [parsed]),
    () => v2.verifyPayment({ xml: { return_code: 'SUCCESS' } }),
    () => v2.decryptRefund({ req_info: 'x' }),
  ]) {
    const err = typeError(fn)
    assert.match(err.message, /raw request body/)
    assert.match(err.message, /express\.raw/)
  }
  // Byte views are not "parsed": a Uint16Array still gets the addon's own type error.
  assert.doesNotMatch(typeError(() => verifier().verify(PAYMENT.headers, new Uint16Array(4))).message, /parsed/)
})

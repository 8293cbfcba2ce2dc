'use strict'
// Key rotation: TrustedKeys (from id → PEM and from a directory), swapping the trusted keys of a
// live V3Verifier and of an Endpoint merchant, the refusals that leave them as they were, and
// worker threads that each swap and verify in a loop.
//
// The notifications are two valid cases of tests/vectors/v3_notify.json (same APIv3 key and
// time): tcId 2 is signed with the platform certificate D7CE59D1F522D701 (the old key), tcId 1
// with the public key PUB_KEY_ID_0114232134912410000000000000 (the new one).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Worker } = require('node:worker_threads')

const { V3Verifier, TrustedKeys, Endpoint, NotifyError } = require('..')

const VECTORS = path.join(__dirname, '..', '..', '..', 'tests', 'vectors')
const KEYS = path.join(VECTORS, 'keys')
const API_V3_KEY = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb'
const PUB_ID = 'PUB_KEY_ID_0114232134912410000000000000'
const CERT_SERIAL = 'D7CE59D1F522D701'
const CERT = fs.readFileSync(path.join(KEYS, 'wechatpay-go-certificate.pem'), 'utf8')
const PUB_A = fs.readFileSync(path.join(KEYS, 'pubkey-a-public.pem'), 'utf8')
const PUB_B = fs.readFileSync(path.join(KEYS, 'pubkey-b-public.pem'), 'utf8')

function request(tcId) {
  const file = JSON.parse(fs.readFileSync(path.join(VECTORS, 'v3_notify.json'), 'utf8'))
  for (const group of file.testGroups) {
    const tc = group.tests.find((c) => c.tcId === tcId)
    if (tc) {
      assert.equal(tc.result, 'valid')
      return { headers: tc.headers, body: Buffer.from(tc.body, 'utf8'), now: tc.now }
    }
  }
  throw new Error(`no tcId ${tcId}`)
}

const OLD = request(2)
const NEW = request(1)

function outcome(verifier, req) {
  try {
    verifier.verify(req.headers, req.body, { now: req.now })
    return 'ok'
  } catch (err) {
    assert.ok(err instanceof NotifyError)
    return err.code
  }
}

function endpointOutcome(endpoint, req) {
  try {
    return endpoint.handle(req.headers, req.body, { now: req.now }).label
  } catch (err) {
    assert.ok(err instanceof NotifyError)
    return err.code
  }
}

function code(fn) {
  try {
    fn()
  } catch (err) {
    return err instanceof NotifyError ? err.code : err.constructor.name
  }
  return 'no error'
}

const oldKeys = () => new TrustedKeys({ [CERT_SERIAL]: CERT })
const newKeys = () => new TrustedKeys([[PUB_ID, PUB_A]])

test('a swap changes which notifications verify', () => {
  const v = new V3Verifier({ apiV3Key: API_V3_KEY, platformKeys: { [CERT_SERIAL]: CERT } })
  assert.deepEqual([outcome(v, OLD), outcome(v, NEW)], ['ok', 'unknown_serial'])
  v.replaceTrustedKeys(newKeys())
  assert.deepEqual([outcome(v, OLD), outcome(v, NEW)], ['unknown_serial', 'ok'])
  assert.deepEqual(v.trustedKeyIds(), [PUB_ID])
  assert.ok(v.trusts(PUB_ID) && !v.trusts(CERT_SERIAL))
  // A plain mapping works as well; both kinds at once during a migration.
  v.replaceTrustedKeys({ [CERT_SERIAL]: CERT, [PUB_ID]: PUB_A })
  assert.deepEqual([outcome(v, OLD), outcome(v, NEW)], ['ok', 'ok'])
  const snapshot = v.trustedKeys()
  v.replaceTrustedKeys(oldKeys())
  assert.deepEqual(snapshot.ids, [CERT_SERIAL, PUB_ID])
  assert.deepEqual(v.trustedKeys().ids, [CERT_SERIAL])
  assert.equal(Object.prototype.toString.call(snapshot), '[object TrustedKeys]')
})

test('a verifier can start from a directory', () => {
  const keys = TrustedKeys.fromDir(path.join(VECTORS, 'key-dirs', 'good'))
  const v = new V3Verifier({ apiV3Key: API_V3_KEY, platformKeys: keys, maxClockSkew: 60 })
  assert.deepEqual(v.trustedKeyIds(), [CERT_SERIAL, PUB_ID])
  assert.deepEqual([outcome(v, OLD), outcome(v, NEW)], ['ok', 'ok'])
  assert.ok(keys.trusts('00d7ce59d1f522d701') && !keys.trusts('PUB_KEY_ID_1'))
  assert.equal(keys.size, 2)
})

test('refusals leave the verifier as it was; wrong types are TypeErrors', () => {
  const v = new V3Verifier({ apiV3Key: API_V3_KEY, platformKeys: oldKeys() })
  assert.equal(code(() => v.replaceTrustedKeys({})), 'invalid_config')
  assert.equal(code(() => v.replaceTrustedKeys(new TrustedKeys([]))), 'invalid_config')
  assert.equal(code(() => v.replaceTrustedKeys({ '0A1B': CERT })), 'invalid_config')
  const weak = fs.readFileSync(path.join(KEYS, 'rsa-1024-public.pem'), 'utf8')
  assert.equal(code(() => v.replaceTrustedKeys({ [PUB_ID]: weak })), 'invalid_config')
  assert.equal(code(() => new V3Verifier({ apiV3Key: API_V3_KEY, platformKeys: new TrustedKeys({}) })), 'invalid_config')
  for (const bad of [null, 42, 'PEM']) {
    assert.equal(code(() => v.replaceTrustedKeys(bad)), 'TypeError', String(bad))
  }
  assert.equal(code(() => TrustedKeys.fromDir(42)), 'TypeError')
  assert.equal(code(() => TrustedKeys.fromDir(Buffer.from('/tmp'))), 'TypeError')
  assert.deepEqual(v.trustedKeyIds(), [CERT_SERIAL])
  assert.equal(outcome(v, OLD), 'ok')
})

test('directory errors name the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wechatpay-notify-rotation-'))
  try {
    assert.match(messageOf(() => TrustedKeys.fromDir(path.join(dir, 'absent'))), /cannot read the key directory/)
    fs.writeFileSync(path.join(dir, 'PUB_KEY_ID_7.pem'), PUB_A + ' '.repeat(70000))
    assert.match(messageOf(() => TrustedKeys.fromDir(dir)), /^PUB_KEY_ID_7\.pem: larger than/)
    fs.writeFileSync(path.join(dir, 'PUB_KEY_ID_7.pem'), PUB_B)
    fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'PUB_KEY_ID_8.pem'))
    assert.match(messageOf(() => TrustedKeys.fromDir(dir)), /^PUB_KEY_ID_8\.pem: cannot read/)
    fs.unlinkSync(path.join(dir, 'PUB_KEY_ID_8.pem'))
    assert.deepEqual(TrustedKeys.fromDir(dir).ids, ['PUB_KEY_ID_7'])
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

function messageOf(fn) {
  try {
    fn()
  } catch (err) {
    assert.equal(err.code, 'invalid_config')
    return err.message
  }
  assert.fail('no error')
}

test('an endpoint swaps one merchant\'s keys and its routes', () => {
  const e = new Endpoint({
    profiles: [
      { label: 'shop', v3: { apiV3Key: API_V3_KEY, platformKeys: { [CERT_SERIAL]: CERT } } },
      { label: 'other', v3: { apiV3Key: API_V3_KEY, platformKeys: { PUB_KEY_ID_2: PUB_B } } },
    ],
  })
  assert.deepEqual([endpointOutcome(e, OLD), endpointOutcome(e, NEW)], ['shop', 'unknown_serial'])
  e.replaceTrustedKeys('shop', newKeys())
  assert.deepEqual([endpointOutcome(e, OLD), endpointOutcome(e, NEW)], ['unknown_serial', 'shop'])
  assert.deepEqual(e.trustedKeys('shop').ids, [PUB_ID])
  assert.equal(e.trustedKeys('nobody'), null)
  assert.equal(code(() => e.replaceTrustedKeys('nobody', newKeys())), 'invalid_config')
  assert.equal(code(() => e.replaceTrustedKeys('shop', {})), 'invalid_config')
  assert.equal(code(() => e.replaceTrustedKeys('shop', { PUB_KEY_ID_2: PUB_B })), 'invalid_config')
  assert.equal(code(() => e.replaceTrustedKeys(1, newKeys())), 'TypeError')
  assert.equal(endpointOutcome(e, NEW), 'shop')
})

// Node runs one JavaScript thread per isolate and an addon object belongs to its thread, so the
// threads here each own a verifier and an endpoint: each swaps back and forth while verifying both
// notifications, and every outcome must be exactly the set just installed's (the Rust core's own
// tests share one verifier across threads).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { V3Verifier, TrustedKeys, Endpoint } = require(workerData.pkg)
const { cert, pub, old, neu, rounds } = workerData
const sets = [new TrustedKeys({ D7CE59D1F522D701: cert }), new TrustedKeys({ ${JSON.stringify(PUB_ID)}: pub })]
const v = new V3Verifier({ apiV3Key: ${JSON.stringify(API_V3_KEY)}, platformKeys: sets[0] })
const e = new Endpoint({ profiles: [{ label: 'shop', v3: { apiV3Key: ${JSON.stringify(API_V3_KEY)}, platformKeys: { D7CE59D1F522D701: cert } } }] })
const run = (f) => { try { f(); return 'ok' } catch (err) { return err.code } }
const req = (r) => [r.headers, Buffer.from(r.body), { now: r.now }]
let wrong = 0
for (let i = 0; i < rounds; i++) {
  const which = i % 2
  v.replaceTrustedKeys(sets[which])
  e.replaceTrustedKeys('shop', sets[which])
  const want = which === 0 ? ['ok', 'unknown_serial'] : ['unknown_serial', 'ok']
  const got = [run(() => v.verify(...req(old))), run(() => v.verify(...req(neu)))]
  const routed = [run(() => e.handle(...req(old))), run(() => e.handle(...req(neu)))]
  if (got.join() !== want.join() || routed.join() !== want.join()) wrong++
}
parentPort.postMessage(wrong)
`

test('worker threads each swap and verify in a loop', async () => {
  const data = {
    pkg: path.join(__dirname, '..'),
    cert: CERT,
    pub: PUB_A,
    old: { ...OLD, body: OLD.body.toString('utf8') },
    neu: { ...NEW, body: NEW.body.toString('utf8') },
    rounds: 300,
  }
  const results = await Promise.all(
    [0, 1, 2, 3].map(
      () =>
        new Promise((resolve, reject) => {
          const w = new Worker(WORKER, { eval: true, workerData: data })
          w.once('message', resolve)
          w.once('error', reject)
        }),
    ),
  )
  assert.deepEqual(results, [0, 0, 0, 0])
})

'use strict'
// Arguments that run the caller's own JavaScript while the addon converts them, or that come from a
// polluted prototype: the addon never reads a body that a getter freed or detached, never takes a
// wrapped object of another class for a set of trusted keys, and reads only own properties of
// headers, trusted keys and fields to sign. (Each case crashed the process, or was accepted, before.)
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const wn = require('..')
const raw = require('../index.js')

const VECTORS = path.join(__dirname, '..', '..', '..', 'tests', 'vectors')
const V3 = JSON.parse(fs.readFileSync(path.join(VECTORS, 'v3_notify.json'), 'utf8'))
const CONFIG = V3.testGroups[0].config
const PAYMENT = V3.testGroups[0].tests.find((t) => t.tcId === 1)
const headerObject = () => Object.fromEntries(PAYMENT.headers.map(([k, v]) => [k.toLowerCase(), v]))
const v3 = () => new wn.V3Verifier({ apiV3Key: CONFIG.apiV3Key, platformKeys: CONFIG.platformKeys })
const endpoint = () =>
  new wn.Endpoint({ profiles: [{ label: 'shop', v3: { apiV3Key: CONFIG.apiV3Key, platformKeys: CONFIG.platformKeys } }] })

// The body in a resizable ArrayBuffer of its own, large enough to be freed when shrunk.
function resizableBody() {
  const bytes = Buffer.from(PAYMENT.body)
  const ab = new ArrayBuffer(1 << 20, { maxByteLength: 1 << 24 })
  const view = new Uint8Array(ab, 0, bytes.length)
  view.set(bytes)
  return { ab, view }
}

test('a header getter that shrinks or detaches the body: the body is read after it, never freed memory', () => {
  for (const verify of [(h, b, o) => v3().verify(h, b, o), (h, b, o) => endpoint().handle(h, b, o)]) {
    // Untouched, the same view verifies.
    const { view } = resizableBody()
    assert.equal(verify(headerObject(), view, { now: PAYMENT.now }).isSuccess, true)

    const shrunk = resizableBody()
    const headers = headerObject()
    const nonce = headers['wechatpay-nonce']
    Object.defineProperty(headers, 'wechatpay-nonce', {
      enumerable: true,
      get() {
        shrunk.ab.resize(0)
        return nonce
      },
    })
    assert.throws(() => verify(headers, shrunk.view, { now: PAYMENT.now }), (e) => e instanceof wn.NotifyError)

    const moved = resizableBody()
    const detaching = headerObject()
    Object.defineProperty(detaching, 'wechatpay-nonce', {
      enumerable: true,
      get() {
        structuredClone(moved.ab, { transfer: [moved.ab] })
        return nonce
      },
    })
    assert.throws(() => verify(detaching, moved.view, { now: PAYMENT.now }), (e) => e instanceof wn.NotifyError)
    assert.equal(moved.view.byteLength, 0, 'the buffer was detached')
  }
})

test('an options getter that shrinks the body: the body is read after the options', () => {
  const { ab, view } = resizableBody()
  const options = {
    get now() {
      ab.resize(0)
      return PAYMENT.now
    },
  }
  assert.throws(() => v3().verify(headerObject(), view, options), (e) => e instanceof wn.NotifyError)
})

test('a wrapped object of another class is never taken for a set of trusted keys', () => {
  const verifier = new raw.NativeV3Verifier({ apiV3Key: CONFIG.apiV3Key, platformKeys: CONFIG.platformKeys })
  const other = new raw.NativeVerifier({ apiKey: '192006250b4c09247ec02edce69f6a2d', signType: 'MD5' })
  assert.throws(() => verifier.replaceTrustedKeys(other), (e) => e.code === 'InvalidArg')
  assert.throws(
    () => raw.NativeV3Verifier.withTrustedKeys({ apiV3Key: CONFIG.apiV3Key, platformKeys: [] }, other),
    (e) => e.code === 'InvalidArg',
  )
  const ep = new raw.NativeEndpoint({ profiles: [{ label: 'shop', v3: { apiV3Key: CONFIG.apiV3Key, platformKeys: CONFIG.platformKeys } }] })
  assert.throws(() => ep.replaceTrustedKeys('shop', other), (e) => e.code === 'InvalidArg')
  // The package exposes no way to wrap an arbitrary object as a TrustedKeys.
  assert.deepEqual(Object.getOwnPropertySymbols(wn.TrustedKeys), [])
  // Its own sets still go through.
  verifier.replaceTrustedKeys(verifier.trustedKeys())
  assert.equal(verifier.trustedKeyIds().length, CONFIG.platformKeys.length)
})

test('inherited enumerable properties are not trusted keys, headers or fields to sign', (t) => {
  const [id, pem] = CONFIG.platformKeys.find(([keyId]) => keyId.startsWith('PUB_KEY_ID_'))
  const planted = 'PUB_KEY_ID_0000000000000000000000000009'
  Object.prototype[planted] = pem // eslint-disable-line no-extend-native
  Object.prototype['wechatpay-signature'] = 'x' // eslint-disable-line no-extend-native
  Object.prototype.zzz = 'planted' // eslint-disable-line no-extend-native
  t.after(() => {
    delete Object.prototype[planted]
    delete Object.prototype['wechatpay-signature']
    delete Object.prototype.zzz
  })
  const verifier = new wn.V3Verifier({ apiV3Key: CONFIG.apiV3Key, platformKeys: { [id]: pem } })
  assert.deepEqual(verifier.trustedKeyIds(), [id])
  assert.equal(new wn.TrustedKeys({ [id]: pem }).size, 1)
  assert.equal(wn.apiVersionOf({}), 'v2')
  assert.equal(wn.sign({ test1: 'test1', test2: 'test2' }, '192006250b4c09247ec02edce69f6a2d', 'MD5'), '1E3A8D73B5A4AEE787C0F68B5DAB8520')
})

test('an API key getter is read once: the value checked is the value used', () => {
  let reads = 0
  const options = {
    signType: 'MD5',
    get apiKey() {
      reads += 1
      return reads === 1 ? '192006250b4c09247ec02edce69f6a2d' : { secret: '192006250b4c09247ec02edce69f6a2d' }
    },
  }
  const v = new wn.Verifier(options)
  assert.equal(reads, 1)
  assert.ok(v)
  let v3reads = 0
  const v3options = {
    platformKeys: CONFIG.platformKeys,
    get apiV3Key() {
      v3reads += 1
      return CONFIG.apiV3Key
    },
  }
  assert.ok(new wn.V3Verifier(v3options))
  assert.equal(v3reads, 1)
})

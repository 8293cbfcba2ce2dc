'use strict'
// Endpoint.fromProfilesFile (the core's profiles loader, through the addon) and the reply for the
// application's own failure (apiVersionOf, internalErrorReply, Handled#internalErrorReply), against
// the shared endpoint vectors (tests/vectors/endpoint.json).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { Endpoint, NotifyError, HttpReply, apiVersionOf, internalErrorReply, replyRefusal, replyV3Fail } = require('..')

const ENDPOINT = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'tests', 'vectors', 'endpoint.json'), 'utf8'))
const GROUP = ENDPOINT.testGroups[0]
const byComment = (re) => GROUP.tests.find((t) => re.test(t.comment))
const V2 = byComment(/v2 payment for merchant B/)
const V3 = byComment(/APIv3 payment for merchant A \(its public key id\)/)
const CROSS = byComment(/v2 body naming merchant A, signed with B's key/)

const refusal = (fn) => {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof NotifyError, err && err.stack)
    assert.equal(err.code, 'invalid_config', err.message)
    return err.message
  }
  assert.fail('accepted')
}

/**
 * The endpoint vectors' profiles as a deployment writes them: keys in files (mode 600) or in an
 * environment variable, PEM files beside them, profiles.json naming them. `edit(doc)` changes the
 * JSON before it is written; returns its path.
 */
const dirs = []
function writeProfiles(edit = () => {}, mode = 0o600) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wechatpay-notify-node-profiles-'))
  dirs.push(dir)
  const profiles = GROUP.config.profiles.map((p) => {
    fs.writeFileSync(path.join(dir, `${p.label}.key`), `${p.v2.apiKey}\n`, { mode: 0o600 })
    fs.writeFileSync(path.join(dir, `${p.label}.v3key`), p.v3.apiV3Key, { mode: 0o600 })
    const platformKeys = {}
    p.v3.platformKeys.forEach(([id, pem], i) => {
      fs.writeFileSync(path.join(dir, `${p.label}-${i}.pem`), pem)
      platformKeys[id] = `${p.label}-${i}.pem`
    })
    return {
      label: p.label,
      v2: { api_key_file: `${p.label}.key`, sign_type: p.v2.signType, mch_id: p.v2.mchId },
      v3: { api_v3_key_file: `${p.label}.v3key`, platform_keys: platformKeys },
    }
  })
  const doc = { profiles }
  edit(doc)
  const file = path.join(dir, 'profiles.json')
  fs.writeFileSync(file, JSON.stringify(doc), { mode })
  return file
}

test.after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
})

test('Endpoint.fromProfilesFile: the same endpoint as the vectors configure', () => {
  const e = Endpoint.fromProfilesFile(writeProfiles())
  assert.ok(e instanceof Endpoint)
  assert.equal(Object.prototype.toString.call(e), '[object Endpoint]')
  assert.deepEqual(e.labels(), ['shop-a', 'shop-b'])
  for (const tc of [V2, V3]) {
    const h = e.handle(tc.headers, tc.body, { now: tc.now })
    assert.deepEqual([h.label, h.kind, h.reply.toObject()], [tc.expected.label, tc.expected.kind, tc.expected.reply], tc.comment)
  }
  assert.throws(() => e.handle([], CROSS.body), (err) => err instanceof NotifyError && err.code === 'signature_mismatch')
})

test("Endpoint.fromProfilesFile: the core's rules, refused as invalid_config without the key", () => {
  const key = GROUP.config.profiles[0].v2.apiKey
  assert.match(refusal(() => Endpoint.fromProfilesFile(writeProfiles((d) => (d.profiles[0].v2.signType = 'MD5')))), /signType/)
  assert.match(refusal(() => Endpoint.fromProfilesFile(writeProfiles((d) => delete d.profiles[0].v2.sign_type))), /sign_type/)
  const inline = refusal(() => Endpoint.fromProfilesFile(writeProfiles((d) => (d.profiles[0].v2.api_key = key))))
  assert.ok(/never written/.test(inline) && !inline.includes(key), inline)
  assert.match(refusal(() => Endpoint.fromProfilesFile(writeProfiles(() => {}, 0o644))), /chmod 600/)
  assert.match(refusal(() => Endpoint.fromProfilesFile(path.join(os.tmpdir(), 'no-such-dir', 'profiles.json'))), /cannot read/)
  assert.match(refusal(() => Endpoint.fromProfilesFile(writeProfiles((d) => (d.profiles[1].label = 'shop-a')))), /label/)
  // A key from the environment: named, read when set, never echoed.
  const byEnv = writeProfiles((d) => {
    delete d.profiles[0].v3.api_v3_key_file
    d.profiles[0].v3.api_v3_key_env = 'WECHATPAY_NODE_TEST_V3_KEY'
  })
  delete process.env.WECHATPAY_NODE_TEST_V3_KEY
  assert.match(refusal(() => Endpoint.fromProfilesFile(byEnv)), /\$WECHATPAY_NODE_TEST_V3_KEY/)
  process.env.WECHATPAY_NODE_TEST_V3_KEY = GROUP.config.profiles[0].v3.apiV3Key
  try {
    assert.equal(Endpoint.fromProfilesFile(byEnv).handle(V3.headers, V3.body, { now: V3.now }).label, 'shop-a')
  } finally {
    delete process.env.WECHATPAY_NODE_TEST_V3_KEY
  }
})

test('Endpoint.fromProfilesFile: a path that is not a string is a TypeError', () => {
  for (const bad of [undefined, null, 42, Buffer.from('profiles.json'), new URL('file:///profiles.json')]) {
    assert.throws(() => Endpoint.fromProfilesFile(bad), (err) => err instanceof TypeError && !(err instanceof NotifyError))
  }
})

test("internal error replies: 500 with the refusal of the request's version", () => {
  const v2Reply = { status: 500, contentType: 'text/xml', body: replyRefusal() }
  const v3Reply = replyV3Fail('internal')
  assert.deepEqual(v3Reply.toObject(), { status: 500, contentType: 'application/json', body: '{"code":"FAIL","message":"rejected"}' })
  for (const [headers, version, reply] of [
    [{}, 'v2', v2Reply],
    [{ 'content-type': 'text/xml', 'wechatpay-serial': 'X' }, 'v2', v2Reply],
    [{ 'wechatpay-signature': 'x' }, 'v3', v3Reply],
    [{ 'Wechatpay-Signature': ['x', 'y'] }, 'v3', v3Reply],
    [[['WECHATPAY-SIGNATURE', '']], 'v3', v3Reply],
    [V3.headers, 'v3', v3Reply],
  ]) {
    assert.equal(apiVersionOf(headers), version, JSON.stringify(headers))
    assert.deepEqual(internalErrorReply(headers).toObject(), reply instanceof HttpReply ? reply.toObject() : reply, JSON.stringify(headers))
  }
  // The handled result carries the same reply, for its version.
  const e = new Endpoint({
    profiles: GROUP.config.profiles.map((p) => ({ label: p.label, v2: p.v2, v3: { apiV3Key: p.v3.apiV3Key, platformKeys: p.v3.platformKeys } })),
  })
  for (const tc of [V2, V3]) {
    const h = e.handle(tc.headers, tc.body, { now: tc.now })
    assert.deepEqual(h.internalErrorReply.toObject(), internalErrorReply(tc.headers).toObject(), tc.comment)
  }
  for (const bad of [undefined, null, 'wechatpay-signature', [['a']], { a: 1 }]) {
    assert.throws(() => apiVersionOf(bad), TypeError)
    assert.throws(() => internalErrorReply(bad), TypeError)
  }
})

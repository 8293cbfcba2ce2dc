'use strict'
// Runs every shared vector in tests/vectors/ (loaded from the repo root, never copied) and checks
// identical verdicts and exact error codes; each file must run exactly `numberOfTests` cases.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { Verifier, NotifyError, sign, replySuccess, replyFail } = require('..')

const VECTORS = path.join(__dirname, '..', '..', '..', 'tests', 'vectors')

function load(name) {
  const file = JSON.parse(fs.readFileSync(path.join(VECTORS, name), 'utf8'))
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

function errorCode(fn) {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof NotifyError, `expected a NotifyError, got ${err && err.stack}`)
    assert.ok(err instanceof Error)
    assert.equal(typeof err.message, 'string')
    return err.code
  }
  return null
}

function verifierFor(config) {
  const options = {
    apiKey: config.apiKey,
    signType: config.signType,
    alsoAccept: config.alsoAccept,
  }
  if (config.appid !== null) options.appid = config.appid
  if (config.mchId !== null) options.mchId = config.mchId
  if (config.maxBodyBytes !== null) options.maxBodyBytes = config.maxBodyBytes
  try {
    return { verifier: new Verifier(options), error: null }
  } catch (err) {
    assert.ok(err instanceof NotifyError, `construction error is a NotifyError: ${err && err.stack}`)
    return { verifier: null, error: err.code }
  }
}

function checkFields(result, expected, where) {
  // `fieldList` keeps the exact document order; `fields` has the same entries for lookups.
  assert.deepEqual(result.fieldList, expected, `${where}: fieldList`)
  assert.equal(Object.keys(result.fields).length, expected.length, `${where}: fields size`)
  for (const [name, value] of expected) assert.equal(result.fields[name], value, `${where}: fields.${name}`)
  const names = expected.map(([name]) => name)
  if (!names.some((name) => /^(0|[1-9][0-9]*)$/.test(name))) {
    assert.deepEqual(Object.keys(result.fields), names, `${where}: fields order`)
  }
}

function checkTyped(result, typed, where) {
  for (const [name, want] of Object.entries(typed)) {
    const prop = camel(name)
    assert.ok(prop in result, `${where}: property ${prop}`)
    if (name === 'coupons') {
      assert.deepEqual(
        result.coupons,
        want.map((c) => ({ id: c.id, couponType: c.coupon_type, fee: c.fee })),
        `${where}: coupons`,
      )
    } else {
      assert.deepEqual(result[prop], want, `${where}: ${prop}`)
    }
  }
}

async function runNotifications(t, name, method, type) {
  const file = load(name)
  let ran = 0
  let checkedValid = 0
  for (const group of file.testGroups) {
    assert.equal(group.type, type)
    const { verifier, error: configError } = verifierFor(group.config)
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
    assert.equal(errorCode(() => verifier[method](raw)), tc.error, where)
    return
  }
  assert.equal(tc.result, 'valid', where)
  const inputs = [raw, new Uint8Array(raw)]
  if (typeof tc.body === 'string') inputs.push(tc.body)
  for (const input of inputs) {
    const result = verifier[method](input)
    checkFields(result, tc.expected.fields, where)
    if (type === 'V2Refund') {
      assert.deepEqual(result.reqInfoList, tc.expected.reqInfo, `${where}: reqInfoList`)
      for (const [k, v] of tc.expected.reqInfo) assert.equal(result.reqInfo[k], v, `${where}: reqInfo.${k}`)
      assert.equal(Object.keys(result.reqInfo).length, tc.expected.reqInfo.length)
    }
    checkTyped(result, tc.expected.typed, where)
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
        if (new Set(names).size === names.length && !names.some((n) => /^(0|[1-9][0-9]*)$/.test(n))) {
          // The same fields as a plain object sign the same (order does not matter).
          assert.equal(sign(Object.fromEntries(tc.fields), tc.apiKey, tc.signType), tc.signature, where)
        }
      } else {
        assert.equal(errorCode(() => sign(tc.fields, tc.apiKey, tc.signType)), tc.error, where)
      }
    }
  }
  assert.equal(ran, file.numberOfTests)
})

test('reply.json: every case, byte for byte', () => {
  const file = load('reply.json')
  let ran = 0
  for (const group of file.testGroups) {
    assert.equal(group.type, 'Reply')
    for (const tc of group.tests) {
      ran++
      assert.equal(tc.result, 'valid')
      const got = tc.kind === 'success' ? replySuccess() : replyFail(tc.message)
      assert.equal(got, tc.expected, `reply.json tcId ${tc.tcId} (${tc.comment})`)
    }
  }
  assert.equal(ran, file.numberOfTests)
})

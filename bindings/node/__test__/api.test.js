'use strict'
// The JS surface: result shapes, input kinds, exact amounts, error classes and codes, and misuse
// (wrong types, missing options) giving clear NotifyErrors instead of crashes.
const test = require('node:test')
const assert = require('node:assert/strict')

const wn = require('..')
const { Verifier, NotifyError, CODES, sign, replySuccess, replyFail } = wn

const KEY = '192006250b4c09247ec02edce69f6a2d'

// Builds a signed notification body from [name, value] pairs (values must not need escaping).
function notification(pairs, signType = 'MD5', key = KEY) {
  const signature = sign(pairs, key, signType)
  return `<xml>${pairs.map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`).join('')}<sign>${signature}</sign></xml>`
}

const PAID = [
  ['return_code', 'SUCCESS'],
  ['appid', 'wx2421b1c4370ec43b'],
  ['mch_id', '10000100'],
  ['result_code', 'SUCCESS'],
  ['openid', 'oUpF8uMEb4qRXf22hE3X68TekukE'],
  ['attach', '支付测试 😀'],
  ['empty', ''],
  ['total_fee', '101'],
  ['cash_fee', '100'],
  ['coupon_count', '2'],
  ['coupon_id_0', 'C0'],
  ['coupon_type_0', 'CASH'],
  ['coupon_fee_0', '1'],
  ['coupon_id_1', 'C1'],
  ['transaction_id', '4200000001'],
  ['out_trade_no', 'order-1'],
]

function codeOf(fn) {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof NotifyError, `a NotifyError, got ${err && err.stack}`)
    assert.ok(err instanceof Error)
    assert.equal(err.name, 'NotifyError')
    assert.ok(CODES.includes(err.code), `known code ${err.code}`)
    assert.ok(err.message.length > 0)
    return err
  }
  assert.fail('expected an error')
}

test('payment result: fields in document order, typed camelCase properties, coupons', () => {
  const v = new Verifier({ apiKey: KEY, signType: 'MD5', appid: 'wx2421b1c4370ec43b', mchId: '10000100' })
  const n = v.verifyPayment(notification(PAID))
  assert.equal(Object.getPrototypeOf(n), Object.prototype)
  assert.equal(Object.getPrototypeOf(n.fields), Object.prototype)
  assert.deepEqual(n.fieldList.slice(0, -1), PAID)
  assert.equal(n.fieldList.at(-1)[0], 'sign')
  assert.deepEqual(Object.keys(n.fields), [...PAID.map(([k]) => k), 'sign'])
  assert.equal(n.fields.empty, '')
  assert.equal(n.attach, '支付测试 😀')
  assert.equal(n.signType, 'MD5')
  assert.equal(n.isSuccess, true)
  assert.equal(n.dedupeKey, '4200000001')
  assert.equal(n.transactionId, '4200000001')
  assert.equal(n.outTradeNo, 'order-1')
  assert.equal(n.totalFee, 101)
  assert.equal(n.cashFee, 100)
  assert.equal(n.couponFee, null)
  assert.equal(n.settlementTotalFee, null)
  assert.equal(n.couponCount, 2)
  assert.equal(n.subAppid, null)
  assert.equal(n.errCode, null)
  assert.deepEqual(n.coupons, [
    { id: 'C0', couponType: 'CASH', fee: 1 },
    { id: 'C1', couponType: null, fee: null },
  ])
  // Plain data: survives JSON and structuredClone unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(n)), n)
  assert.deepEqual(structuredClone(n), n)
})

test('result_code=FAIL is verified (acknowledge it) but not a success', () => {
  const v = new Verifier({ apiKey: KEY, signType: 'HMAC-SHA256' })
  const pairs = [['return_code', 'SUCCESS'], ['result_code', 'FAIL'], ['err_code', 'NOTENOUGH'], ['transaction_id', 'T1']]
  const n = v.verifyPayment(notification(pairs, 'HMAC-SHA256'))
  assert.equal(n.isSuccess, false)
  assert.equal(n.errCode, 'NOTENOUGH')
  assert.equal(n.signType, 'HMAC-SHA256')
})

test('Buffer, Uint8Array (also a view at an offset) and string bodies verify alike', () => {
  const v = new Verifier({ apiKey: KEY, signType: 'MD5' })
  const text = notification(PAID)
  const buf = Buffer.from(text)
  const padded = new Uint8Array(buf.length + 7)
  padded.set(buf, 3)
  const view = padded.subarray(3, 3 + buf.length)
  const want = v.verifyPayment(buf)
  assert.deepEqual(v.verifyPayment(new Uint8Array(buf)), want)
  assert.deepEqual(v.verifyPayment(view), want)
  assert.deepEqual(v.verifyPayment(text), want)
  assert.deepEqual(v.verifyPayment(Buffer.concat([Buffer.alloc(5), buf]).subarray(5)), want)
  // A Uint8Array from another realm (vm context) is still bytes.
  const foreign = require('node:vm').runInNewContext('new Uint8Array(n)', { n: buf.length })
  foreign.set(buf)
  assert.deepEqual(v.verifyPayment(foreign), want)
})

test('amounts stay exact: a number up to 2^53-1, a bigint beyond', () => {
  const v = new Verifier({ apiKey: KEY, signType: 'MD5' })
  const n = v.verifyPayment(
    notification([
      ['return_code', 'SUCCESS'],
      ['total_fee', '9007199254740991'],
      ['cash_fee', '9007199254740993'],
      ['coupon_fee', '9999999999999999999'],
      ['settlement_total_fee', '-1'],
    ]),
  )
  assert.equal(n.totalFee, Number.MAX_SAFE_INTEGER)
  assert.equal(n.cashFee, 9007199254740993n)
  assert.equal(n.couponFee, 9999999999999999999n)
  assert.equal(n.settlementTotalFee, null) // not a non-negative integer: the core says absent
  assert.equal(n.fields.settlement_total_fee, '-1')
})

test('fieldList keeps document order even for integer-like names; __proto__ is an own field', () => {
  const v = new Verifier({ apiKey: KEY, signType: 'MD5' })
  const pairs = [['return_code', 'SUCCESS'], ['b', '1'], ['__proto__', 'p'], ['10', 'x'], ['2', 'y']]
  let n
  try {
    n = v.verifyPayment(notification(pairs))
  } catch (err) {
    // A stricter core may refuse names that are not XML names; then nothing reaches JS.
    assert.equal(err.code, 'malformed_xml')
    return
  }
  assert.deepEqual(n.fieldList.slice(0, -1), pairs)
  assert.equal(n.fields['10'], 'x')
  assert.equal(n.fields.__proto__, 'p') // eslint-disable-line no-proto
  assert.ok(Object.hasOwn(n.fields, '__proto__'))
  assert.equal(Object.getPrototypeOf(n.fields), Object.prototype)
})

test('refund result: outer fields, decrypted reqInfo, typed properties', () => {
  const fs = require('node:fs')
  const path = require('node:path')
  const file = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'tests', 'vectors', 'v2_refund.json'), 'utf8'))
  const group = file.testGroups.find((g) => g.tests.some((t) => t.result === 'valid'))
  const tc = group.tests.find((t) => t.result === 'valid')
  const v = new Verifier({ apiKey: group.config.apiKey, signType: group.config.signType })
  const r = v.decryptRefund(tc.body)
  assert.deepEqual(r.fieldList, tc.expected.fields)
  assert.deepEqual(r.reqInfoList, tc.expected.reqInfo)
  assert.equal(r.reqInfo.refund_id, r.refundId)
  assert.equal(r.dedupeKey, r.refundId)
  assert.equal(typeof r.isSuccess, 'boolean')
  assert.ok(typeof r.refundFee === 'number' || r.refundFee === null)
  // A payment verifier call on a refund notification fails cleanly (no sign).
  assert.equal(codeOf(() => v.verifyPayment(tc.body)).code, 'missing_signature')
})

test('rejections are NotifyErrors with the SPEC code and no secrets', () => {
  const v = new Verifier({ apiKey: KEY, signType: 'MD5', mchId: '10000100' })
  const good = notification(PAID)
  const forged = good.replace('<total_fee><![CDATA[101]]>', '<total_fee><![CDATA[1]]>')
  const err = codeOf(() => v.verifyPayment(forged))
  assert.equal(err.code, 'signature_mismatch')
  assert.ok(!err.message.includes(KEY))
  const expected = sign(PAID.filter(([k]) => k !== 'total_fee').concat([['total_fee', '1']]), KEY, 'MD5')
  assert.ok(!err.message.includes(expected), 'no signature oracle')
  assert.equal(codeOf(() => v.verifyPayment('<xml><a>1</a>')).code, 'malformed_xml')
  assert.equal(codeOf(() => v.verifyPayment('<!DOCTYPE x [<!ENTITY e "x">]><xml></xml>')).code, 'forbidden_doctype')
  assert.equal(codeOf(() => new Verifier({ apiKey: KEY, signType: 'HMAC-SHA256' }).verifyPayment(good)).code, 'signature_mismatch')
  const other = new Verifier({ apiKey: KEY, signType: 'MD5', mchId: '999' })
  assert.equal(codeOf(() => other.verifyPayment(good)).code, 'merchant_mismatch')
  const small = new Verifier({ apiKey: KEY, signType: 'MD5', maxBodyBytes: 10 })
  assert.equal(codeOf(() => small.verifyPayment(good)).code, 'body_too_large')
  assert.equal(codeOf(() => v.decryptRefund(good)).code, 'missing_field')
})

test('configuration errors', () => {
  assert.equal(codeOf(() => new Verifier({ apiKey: 'short', signType: 'MD5' })).code, 'invalid_config')
  const bad = codeOf(() => new Verifier({ apiKey: KEY, signType: 'md5' }))
  assert.equal(bad.code, 'invalid_config')
  assert.match(bad.message, /MD5/)
  assert.equal(codeOf(() => new Verifier({ apiKey: KEY, signType: 'MD5', alsoAccept: ['SHA1'] })).code, 'invalid_config')
  for (const maxBodyBytes of [-1, 1.5, NaN, Infinity]) {
    assert.equal(codeOf(() => new Verifier({ apiKey: KEY, signType: 'MD5', maxBodyBytes })).code, 'invalid_config')
  }
  const secret = codeOf(() => new Verifier({ apiKey: KEY.slice(1), signType: 'MD5' }))
  assert.ok(!secret.message.includes(KEY.slice(1)))
})

test('misuse: wrong types and missing options give clear errors, never a crash', () => {
  const cases = [
    [() => new Verifier(), 'invalid_config', /options object.*got undefined/],
    [() => new Verifier(null), 'invalid_config', /options object/],
    [() => new Verifier('key'), 'invalid_config', /options object/],
    [() => new Verifier({}), 'invalid_config', /apiKey must be a string/],
    [() => new Verifier({ apiKey: KEY }), 'invalid_config', /signType must be a string/],
    [() => new Verifier({ apiKey: 123, signType: 'MD5' }), 'invalid_config', /apiKey/],
    [() => new Verifier({ apiKey: Buffer.from(KEY), signType: 'MD5' }), 'invalid_config', /apiKey/],
    [() => new Verifier({ apiKey: KEY, signType: 'MD5', appid: 5 }), 'invalid_config', /appid/],
    [() => new Verifier({ apiKey: KEY, signType: 'MD5', mchId: {} }), 'invalid_config', /mchId/],
    [() => new Verifier({ apiKey: KEY, signType: 'MD5', alsoAccept: 'MD5' }), 'invalid_config', /alsoAccept/],
    [() => new Verifier({ apiKey: KEY, signType: 'MD5', alsoAccept: [1] }), 'invalid_config', /alsoAccept/],
    [() => new Verifier({ apiKey: KEY, signType: 'MD5', maxBodyBytes: '10' }), 'invalid_config', /maxBodyBytes/],
    [() => sign(null, KEY, 'MD5'), 'invalid_argument', /fields/],
    [() => sign('a=1', KEY, 'MD5'), 'invalid_argument', /fields/],
    [() => sign({ a: 1 }, KEY, 'MD5'), 'invalid_argument', /entry 0/],
    [() => sign([['a']], KEY, 'MD5'), 'invalid_argument', /entry 0/],
    [() => sign([['a', '1'], 'b'], KEY, 'MD5'), 'invalid_argument', /entry 1/],
    [() => sign({ a: '1' }, undefined, 'MD5'), 'invalid_config', /apiKey/],
    [() => sign({ a: '1' }, KEY), 'invalid_config', /signType/],
    [() => sign({ a: '1' }, KEY, 'SHA1'), 'invalid_config', /SHA1/],
    [() => replyFail(), 'invalid_argument', /msg/],
    [() => replyFail(42), 'invalid_argument', /msg/],
  ]
  const v = new Verifier({ apiKey: KEY, signType: 'MD5' })
  for (const body of [undefined, null, 42, {}, [], new Uint16Array(4), new Uint8ClampedArray(4), new ArrayBuffer(8), new DataView(new ArrayBuffer(8)), { length: 3, 0: 60 }]) {
    cases.push([() => v.verifyPayment(body), 'invalid_argument', /Buffer, a Uint8Array or a string/])
    cases.push([() => v.decryptRefund(body), 'invalid_argument', /Buffer, a Uint8Array or a string/])
  }
  for (const [fn, code, message] of cases) {
    const err = codeOf(fn)
    assert.equal(err.code, code, `${fn}`)
    assert.match(err.message, message, `${fn}`)
  }
  // Methods detached from their instance fail cleanly too.
  const detached = v.verifyPayment
  assert.match(codeOf(() => detached('<xml/>')).message, /called on a Verifier/)
  assert.match(codeOf(() => v.decryptRefund.call({}, '<xml/>')).message, /called on a Verifier/)
  // The raw generated binding also refuses bad input with an Error, not a crash.
  const raw = require('../index.js')
  assert.throws(() => new raw.NativeVerifier({}), (e) => e instanceof Error)
  assert.throws(() => new raw.NativeVerifier({ apiKey: KEY, signType: 'MD5' }).verifyPayment(42), (e) => e instanceof Error)
  assert.throws(() => raw.nativeSign('x', KEY, 'MD5'), (e) => e instanceof Error)
})

test('sign: plain object or [name, value] pairs; sign and empty values skipped', () => {
  const fields = { appid: 'wxd930ea5d5a258f4f', mch_id: '10000100', device_info: '1000', body: 'test', nonce_str: 'ibuaiVcKdpRxkhJA' }
  assert.equal(sign(fields, KEY, 'MD5'), '9A0A8659F005D6984697E2CA0A9CF3B7')
  assert.equal(sign(Object.entries(fields), KEY, 'HMAC-SHA256'), '6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6')
  assert.equal(sign({ ...fields, sign: 'X', empty: '' }, KEY, 'MD5'), '9A0A8659F005D6984697E2CA0A9CF3B7')
  assert.equal(codeOf(() => sign([['a', '1'], ['a', '2']], KEY, 'MD5')).code, 'invalid_argument')
})

test('replies are exact and safe', () => {
  assert.equal(replySuccess(), '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>')
  assert.equal(replyFail('a]]>b'), '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[a]]]]><![CDATA[>b]]></return_msg></xml>')
})

test('exports and version', () => {
  assert.equal(typeof wn.version, 'string')
  assert.equal(wn.version, require('../package.json').version)
  assert.equal(CODES.length, 20)
  assert.ok(Object.isFrozen(CODES))
  const v = new Verifier({ apiKey: KEY, signType: 'MD5' })
  assert.equal(Object.prototype.toString.call(v), '[object Verifier]')
  assert.ok(!JSON.stringify(v).includes(KEY))
  assert.ok(!require('node:util').inspect(v, { showHidden: true, depth: 5 }).includes(KEY))
})

test('results are identical when code generation from strings is disabled', () => {
  const { spawnSync } = require('node:child_process')
  const path = require('node:path')
  const fs = require('node:fs')
  const samples = path.join(__dirname, '..', '..', '..', 'examples', 'notifications')
  const key = fs.readFileSync(path.join(samples, 'api_key.txt'), 'utf8').trim()
  const script = `
    const fs = require('node:fs')
    const { Verifier } = require(${JSON.stringify(path.join(__dirname, '..'))})
    const v = new Verifier({ apiKey: ${JSON.stringify(key)}, signType: 'MD5' })
    const body = fs.readFileSync(${JSON.stringify(path.join(samples, 'pay-md5.xml'))})
    v.verifyPayment(body)
    const n = v.verifyPayment(body)
    process.stdout.write(JSON.stringify({ keys: Object.keys(n.fields), n }))
  `
  const outputs = [[], ['--disallow-code-generation-from-strings']].map((flags) => {
    const res = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' })
    assert.equal(res.status, 0, res.stderr)
    return JSON.parse(res.stdout)
  })
  assert.deepEqual(outputs[1], outputs[0])
  assert.deepEqual(outputs[0].keys, outputs[0].n.fieldList.map(([k]) => k))
})

'use strict'
// The JS surface: result shapes, input kinds, exact amounts, error classes and codes, and the
// misuse rule (a wrong argument type is a TypeError; a value of the right type that the core
// refuses is a NotifyError with its code).
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const wn = require('..')
const { Verifier, NotifyError, CODES, sign, replySuccess, replyFail, replyRefusal } = wn

const KEY = '192006250b4c09247ec02edce69f6a2d'
const ROOT = path.join(__dirname, '..', '..', '..')

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

// The NotifyError `fn` throws, checked for its class, a known code and an inert message.
function notifyError(fn) {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof NotifyError, `a NotifyError, got ${err && err.stack}`)
    assert.ok(err instanceof Error)
    assert.equal(err.name, 'NotifyError')
    assert.ok(CODES.includes(err.code), `known code ${err.code}`)
    assert.ok(err.message.length > 0 && err.message.length <= 200)
    return err
  }
  assert.fail('expected a NotifyError')
}

// The TypeError `fn` throws (never a NotifyError: a wrong type is not a rejected notification).
function typeError(fn) {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof TypeError, `a TypeError, got ${err && err.stack}`)
    assert.ok(!(err instanceof NotifyError))
    assert.ok(err.message.length > 0)
    return err
  }
  assert.fail('expected a TypeError')
}

test('payment result: fields in document order and typed camelCase properties', () => {
  const v = new Verifier({ apiKey: KEY, signType: 'MD5', appid: 'wx2421b1c4370ec43b', mchId: '10000100' })
  const n = v.verifyPayment(notification(PAID))
  assert.equal(n.constructor.name, 'PaymentNotification')
  assert.equal(Object.getPrototypeOf(n.fields), Object.prototype)
  assert.ok(Array.isArray(n.fieldList))
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
  // Every property is an enumerable getter of the result class (the instance has no own
  // property); `toJSON()` gives them all as a plain object, which is what JSON.stringify writes and
  // what survives structuredClone.
  assert.deepEqual(Object.keys(n), [])
  const plain = n.toJSON()
  assert.equal(Object.getPrototypeOf(plain), Object.prototype)
  assert.deepEqual(JSON.parse(JSON.stringify(n)), plain)
  assert.deepEqual(structuredClone(plain), plain)
  // Each call builds a new result.
  const again = v.verifyPayment(notification(PAID))
  assert.notEqual(again, n)
  assert.notEqual(again.fields, n.fields)
  assert.deepEqual(again.toJSON(), plain)
})

test('result_code=FAIL is verified (acknowledge it) but not a success', () => {
  const v = new Verifier({ apiKey: KEY, signType: 'HMAC-SHA256' })
  const pairs = [['return_code', 'SUCCESS'], ['result_code', 'FAIL'], ['err_code', 'NOTENOUGH'], ['transaction_id', 'T1']]
  const n = v.verifyPayment(notification(pairs, 'HMAC-SHA256'))
  assert.equal(n.isSuccess, false)
  assert.equal(n.errCode, 'NOTENOUGH')
  assert.equal(n.signType, 'HMAC-SHA256')
  assert.deepEqual(n.coupons, [])
  // An unsuccessful payment's key names its state, so a later success of T1 is recorded too.
  assert.equal(n.dedupeKey, 'T1:FAIL')
})

test('Buffer, Uint8Array (also a view at an offset) and string bodies verify alike', () => {
  const v = new Verifier({ apiKey: KEY, signType: 'MD5' })
  const text = notification(PAID)
  const buf = Buffer.from(text)
  const padded = new Uint8Array(buf.length + 7)
  padded.set(buf, 3)
  const view = padded.subarray(3, 3 + buf.length)
  const want = v.verifyPayment(buf).toJSON()
  assert.deepEqual(v.verifyPayment(new Uint8Array(buf)).toJSON(), want)
  assert.deepEqual(v.verifyPayment(view).toJSON(), want)
  assert.deepEqual(v.verifyPayment(text).toJSON(), want)
  assert.deepEqual(v.verifyPayment(Buffer.concat([Buffer.alloc(5), buf]).subarray(5)).toJSON(), want)
  // A Uint8Array from another realm (vm context) is still bytes.
  const foreign = require('node:vm').runInNewContext('new Uint8Array(n)', { n: buf.length })
  foreign.set(buf)
  assert.deepEqual(v.verifyPayment(foreign).toJSON(), want)
})

test('amounts stay exact: a number up to 2^53-1, a bigint beyond', () => {
  const v = new Verifier({ apiKey: KEY, signType: 'MD5' })
  const n = v.verifyPayment(
    notification([
      ['return_code', 'SUCCESS'],
      ['result_code', 'SUCCESS'],
      ['transaction_id', '4200000002'],
      ['out_trade_no', 'order-2'],
      ['total_fee', '9007199254740991'],
      ['cash_fee', '9007199254740992'],
      ['coupon_fee', '18446744073709551615'],
      ['settlement_total_fee', ''],
    ]),
  )
  assert.equal(n.totalFee, Number.MAX_SAFE_INTEGER)
  assert.equal(n.cashFee, 9007199254740992n)
  assert.equal(n.couponFee, 18446744073709551615n)
  assert.equal(n.settlementTotalFee, null) // empty: absent
  assert.equal(n.couponCount, null) // not sent
  assert.deepEqual(n.coupons, [])
})

// An amount present in another form than digits (v2) is an error of its property, never "absent"
// (SPEC §2): its getter, in its place, throws a NotifyError missing_field on every read.
test('amounts present in another form: reading the property throws missing_field', () => {
  const v = new Verifier({ apiKey: KEY, signType: 'MD5' })
  const n = v.verifyPayment(
    notification([
      ['return_code', 'SUCCESS'],
      ['result_code', 'SUCCESS'],
      ['transaction_id', '4200000003'],
      ['out_trade_no', 'order-3'],
      ['total_fee', '101'],
      ['cash_fee', '1.0'],
      ['coupon_count', '18446744073709551616'], // past u64
      ['settlement_total_fee', '-1'],
    ]),
  )
  const errored = ['settlementTotalFee', 'cashFee', 'couponCount', 'coupons']
  for (const name of errored) {
    const d = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(n), name)
    assert.equal(typeof d.get, 'function', `${name} is an accessor`)
    assert.equal(d.set, undefined, name)
    assert.ok(d.enumerable && d.configurable, name)
    const first = notifyError(() => n[name])
    assert.equal(first.code, 'missing_field', name)
    assert.match(first.message, /not an amount/)
    assert.notEqual(notifyError(() => n[name]), first, `${name}: a new error on every read`)
  }
  // The message names the core's field (a count or a fee for `coupons`).
  assert.match(notifyError(() => n.cashFee).message, /cash_fee/)
  assert.match(notifyError(() => n.coupons).message, /coupon_count/)
  // Everything else is read as usual, in the core's order, the errored ones in their place; the
  // exact text stays in `fields`.
  assert.equal(n.totalFee, 101)
  assert.equal(n.isSuccess, true)
  assert.equal(n.fields.cash_fee, '1.0')
  const clean = v.verifyPayment(notification(PAID))
  const names = (o) => Object.keys(Object.getOwnPropertyDescriptors(Object.getPrototypeOf(o))).filter((k) => Object.getOwnPropertyDescriptor(Object.getPrototypeOf(o), k).enumerable)
  assert.deepEqual(names(n), names(clean))
  assert.equal('typedErrors' in n, false)
  // Whatever reads every property meets the error: JSON (toJSON), and so a plain copy for a
  // structured clone or a spread; util.inspect shows it in place of the value.
  assert.equal(notifyError(() => JSON.stringify(n)).code, 'missing_field')
  assert.equal(notifyError(() => n.toJSON()).code, 'missing_field')
  assert.equal(notifyError(() => structuredClone(n.toJSON())).code, 'missing_field')
  assert.equal(notifyError(() => ({ ...n.toJSON() })).code, 'missing_field')
  const shown = require('node:util').inspect(n)
  assert.match(shown, /cashFee: \[throws NotifyError missing_field\]/)
  assert.match(shown, /coupons: \[throws NotifyError missing_field\]/)
  assert.match(shown, /totalFee: 101/)
  // A coupon fee in another form makes `coupons` the error; the count itself is fine.
  const coupon = v.verifyPayment(
    notification([
      ['return_code', 'SUCCESS'],
      ['result_code', 'SUCCESS'],
      ['transaction_id', '4200000004'],
      ['out_trade_no', 'order-4'],
      ['total_fee', '101'],
      ['coupon_count', '1'],
      ['coupon_id_0', 'C0'],
      ['coupon_fee_0', '1e2'],
    ]),
  )
  assert.equal(coupon.couponCount, 1)
  assert.match(notifyError(() => coupon.coupons).message, /coupon_fee/)
})

test('fields: names that mean something to JS objects are own data properties', () => {
  const v = new Verifier({ apiKey: KEY, signType: 'MD5' })
  const pairs = [
    ['return_code', 'SUCCESS'],
    ['__proto__', 'p'],
    ['constructor', 'c'],
    ['toString', 't'],
    ['hasOwnProperty', 'h'],
  ]
  const n = v.verifyPayment(notification(pairs))
  assert.deepEqual(n.fieldList.slice(0, -1), pairs)
  assert.deepEqual(Object.keys(n.fields), [...pairs.map(([k]) => k), 'sign'])
  assert.equal(Object.getPrototypeOf(n.fields), Object.prototype)
  for (const [name, value] of pairs) {
    assert.ok(Object.hasOwn(n.fields, name), name)
    assert.equal(n.fields[name], value)
  }
  // XML names cannot look like array indices (which JS would list first): the core refuses them.
  assert.equal(notifyError(() => sign([['10', 'x']], KEY, 'MD5')).code, 'invalid_argument')
  assert.equal(notifyError(() => v.verifyPayment('<xml><10>x</10></xml>')).code, 'malformed_xml')
})

test('refund result: outer fields, decrypted reqInfo, typed properties', () => {
  const file = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'vectors', 'v2_refund.json'), 'utf8'))
  const group = file.testGroups.find((g) => g.tests.some((t) => t.result === 'valid'))
  const tc = group.tests.find((t) => t.result === 'valid')
  const v = new Verifier({ apiKey: group.config.apiKey, signType: group.config.signType })
  const r = v.decryptRefund(tc.body)
  assert.equal(r.constructor.name, 'RefundNotification')
  assert.deepEqual(r.fieldList, tc.expected.fields)
  assert.deepEqual(r.reqInfoList, tc.expected.reqInfo)
  assert.deepEqual(Object.entries(r.reqInfo), tc.expected.reqInfo)
  assert.equal(r.reqInfo.refund_id, r.refundId)
  // refund_id:STATUS, the status in v3's words (CHANGE -> ABNORMAL, REFUNDCLOSE -> CLOSED).
  const status = { CHANGE: 'ABNORMAL', REFUNDCLOSE: 'CLOSED' }[r.refundStatus] ?? r.refundStatus
  assert.equal(r.dedupeKey, `${r.refundId}:${status}`)
  assert.equal(r.appid, r.fields.appid) // the outer document's
  assert.equal(typeof r.isSuccess, 'boolean')
  assert.equal(typeof r.refundFee, 'number')
  assert.deepEqual(structuredClone(r.toJSON()), r.toJSON())
  assert.deepEqual(Object.keys(r.toJSON()), ['fields', 'fieldList', 'reqInfo', 'reqInfoList', ...Object.keys(r.toJSON()).slice(4)])
  assert.equal(r.reqInfo, r.reqInfo)
  assert.equal(r.reqInfoList, r.reqInfoList)
  // A payment verifier call on a refund notification fails cleanly (no sign).
  assert.equal(notifyError(() => v.verifyPayment(tc.body)).code, 'missing_signature')
})

test('rejections are NotifyErrors with the SPEC code and no secrets', () => {
  const v = new Verifier({ apiKey: KEY, signType: 'MD5', mchId: '10000100' })
  const good = notification(PAID)
  const forged = good.replace('<total_fee><![CDATA[101]]>', '<total_fee><![CDATA[1]]>')
  const err = notifyError(() => v.verifyPayment(forged))
  assert.equal(err.code, 'signature_mismatch')
  assert.ok(!err.message.includes(KEY))
  const expected = sign(PAID.filter(([k]) => k !== 'total_fee').concat([['total_fee', '1']]), KEY, 'MD5')
  assert.ok(!err.message.includes(expected), 'no signature oracle')
  assert.equal(notifyError(() => v.verifyPayment('<xml><a>1</a>')).code, 'malformed_xml')
  assert.equal(notifyError(() => v.verifyPayment('<!DOCTYPE x [<!ENTITY e "x">]><xml></xml>')).code, 'forbidden_doctype')
  assert.equal(notifyError(() => new Verifier({ apiKey: KEY, signType: 'HMAC-SHA256' }).verifyPayment(good)).code, 'signature_mismatch')
  const other = new Verifier({ apiKey: KEY, signType: 'MD5', mchId: '999' })
  assert.equal(notifyError(() => other.verifyPayment(good)).code, 'merchant_mismatch')
  const small = new Verifier({ apiKey: KEY, signType: 'MD5', maxBodyBytes: 10 })
  assert.equal(notifyError(() => small.verifyPayment(good)).code, 'body_too_large')
  assert.equal(notifyError(() => v.decryptRefund(good)).code, 'missing_field')
})

test('misuse, right type: values the core refuses are NotifyErrors with their code', () => {
  const cases = [
    [() => new Verifier({ apiKey: 'short', signType: 'MD5' }), 'invalid_config', /key/i],
    [() => new Verifier({ apiKey: KEY, signType: 'md5' }), 'invalid_config', /MD5/],
    [() => new Verifier({ apiKey: KEY, signType: 'MD5', alsoAccept: ['SHA1'] }), 'invalid_config', /SHA1/],
    [() => sign({ a: '1' }, KEY, 'SHA1'), 'invalid_config', /SHA1/],
    [() => sign({ a: '1' }, 'short', 'MD5'), 'invalid_config', /key/i],
    [() => sign([['a', '1'], ['a', '2']], KEY, 'MD5'), 'invalid_argument', /a/],
    [() => sign([['a&b', '1']], KEY, 'MD5'), 'invalid_argument', /name/i],
  ]
  for (const maxBodyBytes of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
    cases.push([() => new Verifier({ apiKey: KEY, signType: 'MD5', maxBodyBytes }), 'invalid_config', /maxBodyBytes/])
  }
  for (const [fn, code, message] of cases) {
    const err = notifyError(fn)
    assert.equal(err.code, code, `${fn}`)
    assert.match(err.message, message, `${fn}`)
  }
  // The key never appears in a message, whatever is wrong with it.
  for (const apiKey of [KEY.slice(1), `${KEY}\n`, `${KEY.slice(0, 31)}é`]) {
    assert.ok(!notifyError(() => new Verifier({ apiKey, signType: 'MD5' })).message.includes(KEY.slice(1, 31)))
    assert.ok(!notifyError(() => sign({ a: '1' }, apiKey, 'MD5')).message.includes(KEY.slice(1, 31)))
  }
})

test('misuse, wrong type: TypeError, never a NotifyError and never a crash', () => {
  const v = new Verifier({ apiKey: KEY, signType: 'MD5' })
  const cases = [
    () => new Verifier(),
    () => new Verifier(null),
    () => new Verifier('key'),
    () => new Verifier({}),
    () => new Verifier({ apiKey: KEY }),
    () => new Verifier({ apiKey: 123, signType: 'MD5' }),
    () => new Verifier({ apiKey: KEY, signType: 1 }),
    () => new Verifier({ apiKey: KEY, signType: 'MD5', appid: 5 }),
    () => new Verifier({ apiKey: KEY, signType: 'MD5', mchId: {} }),
    () => new Verifier({ apiKey: KEY, signType: 'MD5', alsoAccept: 'MD5' }),
    () => new Verifier({ apiKey: KEY, signType: 'MD5', alsoAccept: [1] }),
    () => new Verifier({ apiKey: KEY, signType: 'MD5', maxBodyBytes: '10' }),
    () => new Verifier({ apiKey: KEY, signType: 'MD5', maxBodyBytes: 10n }),
    () => sign(null, KEY, 'MD5'),
    () => sign('a=1', KEY, 'MD5'),
    () => sign(42, KEY, 'MD5'),
    () => sign({ a: 1 }, KEY, 'MD5'),
    () => sign([['a']], KEY, 'MD5'),
    () => sign([['a', '1', 'x']], KEY, 'MD5'),
    () => sign([['a', 1]], KEY, 'MD5'),
    () => sign([['a', '1'], 'b'], KEY, 'MD5'),
    () => sign(Buffer.from('ab'), KEY, 'MD5'),
    () => sign({ a: '1' }, undefined, 'MD5'),
    () => sign({ a: '1' }, KEY),
    () => replyFail(),
    () => replyFail(42),
    () => replyFail(Buffer.from('x')),
  ]
  for (const body of [undefined, null, 42, {}, [], [60], new Uint16Array(4), new Uint8ClampedArray(4), new ArrayBuffer(8), new DataView(new ArrayBuffer(8)), { length: 3, 0: 60 }]) {
    cases.push(() => v.verifyPayment(body))
    cases.push(() => v.decryptRefund(body))
  }
  for (const fn of cases) typeError(fn)
  // Methods detached from their instance.
  const detached = v.verifyPayment
  typeError(() => detached('<xml/>'))
  typeError(() => v.decryptRefund.call({}, '<xml/>'))
  typeError(() => Verifier.prototype.verifyPayment.call(Object.create(Verifier.prototype), '<xml/>'))
})

test('misuse: an API key of the wrong type never appears in the TypeError', () => {
  for (const apiKey of [Buffer.from(KEY), [...KEY], { key: KEY }, new String(KEY)]) { // eslint-disable-line no-new-wrappers
    for (const fn of [() => new Verifier({ apiKey, signType: 'MD5' }), () => sign({ a: '1' }, apiKey, 'MD5')]) {
      const err = typeError(fn)
      assert.match(err.message, /apiKey/)
      for (const secret of [KEY, JSON.stringify(Buffer.from(KEY)), String([...Buffer.from(KEY)])]) {
        assert.ok(!err.message.includes(secret) && !String(err.stack).includes(secret), err.message)
      }
    }
  }
})

test('the raw generated binding follows the same rule', () => {
  const raw = require('../index.js')
  assert.throws(() => new raw.NativeVerifier({}), (e) => e instanceof Error && e.code === 'InvalidArg')
  assert.throws(() => new raw.NativeVerifier({ apiKey: KEY, signType: 'MD5' }).verifyPayment(42), (e) => e.code === 'InvalidArg')
  assert.throws(() => raw.nativeSign('x', KEY, 'MD5'), (e) => e.code === 'InvalidArg')
  assert.throws(() => new raw.NativeVerifier({ apiKey: 'short', signType: 'MD5' }), (e) => e.code === 'invalid_config')
  assert.throws(() => new raw.NativeVerifier({ apiKey: KEY, signType: 'MD5' }).verifyPayment('<xml'), (e) => e.code === 'malformed_xml')
})

test('sign: plain object or [name, value] pairs; sign and empty values skipped', () => {
  const fields = { appid: 'wxd930ea5d5a258f4f', mch_id: '10000100', device_info: '1000', body: 'test', nonce_str: 'ibuaiVcKdpRxkhJA' }
  assert.equal(sign(fields, KEY, 'MD5'), '9A0A8659F005D6984697E2CA0A9CF3B7')
  assert.equal(sign(Object.entries(fields), KEY, 'HMAC-SHA256'), '6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6')
  assert.equal(sign({ ...fields, sign: 'X', empty: '' }, KEY, 'MD5'), '9A0A8659F005D6984697E2CA0A9CF3B7')
  assert.equal(sign({ test1: 'test1', test2: 'test2' }, KEY, 'MD5'), '1E3A8D73B5A4AEE787C0F68B5DAB8520')
})

test('replies are exact and safe', () => {
  assert.equal(replySuccess(), '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>')
  assert.equal(replyFail('a]]>b'), '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[a]]]]><![CDATA[>b]]></return_msg></xml>')
  // The refusal: one constant message, never the error code (SPEC §2).
  assert.equal(replyRefusal(), '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>')
  assert.equal(replyRefusal(), replyFail('rejected'))
})

test('exports, codes and version', () => {
  assert.equal(typeof wn.version, 'string')
  assert.equal(wn.version, require('../package.json').version)
  assert.ok(Object.isFrozen(CODES))
  assert.equal(new Set(CODES).size, 20)
  // The ErrorCode union of notify.d.ts lists exactly the core's codes.
  const dts = fs.readFileSync(path.join(__dirname, '..', 'notify.d.ts'), 'utf8')
  const union = dts.match(/export type ErrorCode =([^;]*?)\n\n/)
  assert.ok(union, 'notify.d.ts declares ErrorCode')
  assert.deepEqual([...union[1].matchAll(/'([a-z_]+)'/g)].map((m) => m[1]), [...CODES])
  const v = new Verifier({ apiKey: KEY, signType: 'MD5' })
  assert.equal(Object.prototype.toString.call(v), '[object Verifier]')
  assert.ok(!JSON.stringify(v).includes(KEY))
  assert.ok(!require('node:util').inspect(v, { showHidden: true, depth: 5 }).includes(KEY))
})

test('the package runs with code generation from strings disabled, with identical results', () => {
  const { spawnSync } = require('node:child_process')
  const samples = path.join(ROOT, 'examples', 'notifications')
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

test('a misspelt or unknown option is a TypeError naming the options, never silently ignored', () => {
  const pem = fs.readFileSync(path.join(ROOT, 'tests', 'vectors', 'keys', 'pubkey-a-public.pem'), 'utf8')
  const V3_KEY = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb'
  const v3 = { apiV3Key: V3_KEY, platformKeys: { PUB_KEY_ID_1: pem } }
  // `mchid` for `mchId` would otherwise turn the merchant check off without a word.
  assert.throws(() => new Verifier({ apiKey: KEY, signType: 'MD5', mchid: '1900000109' }), {
    name: 'TypeError',
    message: 'Verifier options has no option "mchid" (its options: apiKey, signType, appid, mchId, alsoAccept, maxBodyBytes)',
  })
  assert.throws(() => new wn.V3Verifier({ ...v3, mchId: '1900000109' }), {
    name: 'TypeError',
    message: /^V3Verifier options has no option "mchId" \(its options: apiV3Key, platformKeys, maxClockSkew, maxBodyBytes, mchIds\)$/,
  })
  assert.throws(
    () => new wn.Endpoint({ profiles: [{ label: 'a', mchId: '1', v2: { apiKey: KEY, signType: 'MD5', api_key: KEY } }] }),
    { name: 'TypeError', message: /^profiles\[0\]\.v2 has no option "api_key"/ },
  )
  // A misspelt merchant id of a v3-only profile would leave its resources unbound to any merchant.
  assert.throws(() => new wn.Endpoint({ profiles: [{ label: 'a', mchid: '1', v3 }] }), {
    name: 'TypeError',
    message: 'profiles[0] has no option "mchid" (its options: label, v2, v3, mchId)',
  })
  assert.throws(() => new wn.Endpoint({ profiles: [{ label: 'a', mchId: '1', v3: { ...v3, maxSkew: 5 } }] }), {
    name: 'TypeError',
    message: /^profiles\[0\]\.v3 has no option "maxSkew"/,
  })
  // A name that is not a plain identifier is not repeated (it may hold anything).
  assert.throws(() => new Verifier({ apiKey: KEY, signType: 'MD5', 'x\u001b[2J': 1 }), (err) => {
    assert.ok(err instanceof TypeError)
    assert.equal(err.message, 'Verifier options has no option with that name (its options: apiKey, signType, appid, mchId, alsoAccept, maxBodyBytes)')
    return true
  })
  // The key is never in the message, whatever option is refused.
  try {
    new Verifier({ apiKey: KEY, signType: 'MD5', [KEY]: KEY })
    assert.fail('accepted')
  } catch (err) {
    assert.ok(!err.message.includes(KEY))
  }
  // Every declared option is taken, and null still means "not set".
  const v = new Verifier({ apiKey: KEY, signType: 'MD5', appid: null, mchId: '1', alsoAccept: ['HMAC-SHA256'], maxBodyBytes: 100 })
  assert.ok(v instanceof Verifier)
  assert.ok(new wn.V3Verifier({ ...v3, maxClockSkew: 1, maxBodyBytes: 10, mchIds: ['1'] }) instanceof wn.V3Verifier)
})

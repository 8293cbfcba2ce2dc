'use strict'
// Results cost what a handler reads (SPEC §4) and stay ordinary to use: each value is converted on
// first read and cached (counted here through the addon's NativeNotification methods, never timed), and inspect,
// console.log, JSON, destructuring and for...in show every property; what a result without own
// properties gives to Object.keys, spreading and structuredClone is pinned as documented.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const util = require('node:util')

const native = require('../index.js')
const { Verifier, V3Verifier, Endpoint, NotifyError } = require('..')

const ROOT = path.join(__dirname, '..', '..', '..')
const KEY = '192006250b4c09247ec02edce69f6a2d'
const BODY = fs.readFileSync(path.join(ROOT, 'bench', 'payment-notification.xml'))
const VECTORS = path.join(ROOT, 'tests', 'vectors')
const load = (name) => JSON.parse(fs.readFileSync(path.join(VECTORS, name), 'utf8'))

const verifier = new Verifier({ apiKey: KEY, signType: 'MD5' })

// What the package asks the addon for while `fn` runs: calls per method of NativeNotification.
function nativeCalls(fn) {
  const proto = native.NativeNotification.prototype
  const names = Object.getOwnPropertyNames(proto).filter((name) => name !== 'constructor' && typeof proto[name] === 'function')
  const calls = {}
  const saved = {}
  for (const name of names) {
    const original = proto[name]
    saved[name] = original
    proto[name] = function (...args) {
      calls[name] = (calls[name] ?? 0) + 1
      return original.apply(this, args)
    }
  }
  try {
    fn()
  } finally {
    Object.assign(proto, saved)
  }
  return calls
}

// The names a result lists (enumerable, inherited included), in order.
function names(value) {
  const out = []
  for (const name in value) out.push(name)
  return out
}

test('a typical handler converts what it reads, once; fields is built on first read only', () => {
  let n
  const typical = nativeCalls(() => {
    n = verifier.verifyPayment(BODY)
    for (let i = 0; i < 3; i++) {
      assert.equal(n.outTradeNo, '20261127131540000001')
      assert.equal(n.transactionId, '4200001234202611271234567890')
      assert.equal(n.totalFee, 4480)
      assert.equal(n.isSuccess, true)
      assert.equal(n.dedupeKey, '4200001234202611271234567890')
    }
  })
  // Five typed values, each converted once; no document built.
  assert.deepEqual(typical, { typed: 5 })

  const withFields = nativeCalls(() => {
    const fields = n.fields
    assert.equal(n.fields, fields) // the same object on every read
    assert.equal(n.fieldList, n.fieldList)
    assert.deepEqual(n.fieldList, Object.entries(fields))
    assert.equal(fields.total_fee, '4480')
  })
  assert.deepEqual(withFields, { fields: 1 })

  // A view read once is the same value afterwards (an array too).
  const coupons = n.coupons
  assert.equal(n.coupons, coupons)
  assert.deepEqual(coupons, [
    { id: '20261127000015', couponType: 'CASH', fee: 500 },
    { id: '20261127000027', couponType: 'NO_CASH', fee: 300 },
  ])
})

test('values do not depend on what was read first, and equal the plain form', () => {
  const first = verifier.verifyPayment(BODY)
  const typedFirst = names(first).filter((k) => k !== 'fields' && k !== 'fieldList').map((k) => first[k])
  const second = verifier.verifyPayment(BODY)
  void second.fields
  void second.fieldList
  assert.deepEqual(first.toJSON(), second.toJSON())
  const plain = first.toJSON()
  assert.deepEqual(
    names(first).filter((k) => k !== 'fields' && k !== 'fieldList').map((k) => plain[k]),
    typedFirst,
  )
  // Every field and every typed value is in the plain form, in order.
  assert.deepEqual(Object.keys(plain), names(first))
  assert.deepEqual(Object.keys(plain.fields).length, 26)
  assert.equal(names(first).length, 2 + native.typedViewNames('payment').length)
})

test('destructuring, for...in and JSON.stringify see every property', () => {
  const n = verifier.verifyPayment(BODY)
  const { outTradeNo, totalFee, isSuccess, dedupeKey, fields } = n
  assert.deepEqual([outTradeNo, totalFee, isSuccess, dedupeKey], ['20261127131540000001', 4480, true, '4200001234202611271234567890'])
  assert.equal(fields, n.fields)
  // A rest element copies own properties: none (see the documented spread below).
  const { outTradeNo: again, ...rest } = n
  assert.equal(again, outTradeNo)
  assert.deepEqual(rest, {})

  assert.deepEqual(names(n), ['fields', 'fieldList', ...native.typedViewNames('payment')])
  const json = JSON.parse(JSON.stringify(n))
  assert.deepEqual(Object.keys(json), names(n))
  assert.equal(json.outTradeNo, n.outTradeNo)
  assert.equal(json.totalFee, 4480)
  assert.deepEqual(json.fields, n.fields)
  assert.equal(JSON.stringify(n), JSON.stringify(n.toJSON()))
})

test('util.inspect and console.log show every value, under the class name', () => {
  const n = verifier.verifyPayment(BODY)
  const shown = util.inspect(n)
  assert.match(shown, /^PaymentNotification \{/)
  for (const name of names(n)) assert.match(shown, new RegExp(`\\n  ${name}: `), name)
  assert.match(shown, /outTradeNo: '20261127131540000001'/)
  assert.match(shown, /totalFee: 4480/)
  assert.match(shown, /out_trade_no: '20261127131540000001'/) // inside fields
  assert.match(shown, /\[ 'appid', 'wx2421b1c4370ec43b' \]/) // fieldList pairs, as a plain object showed them
  // Nested and beyond the depth, as for any object.
  assert.match(util.inspect({ n }, { depth: 0 }), /n: \[PaymentNotification\]/)
  assert.match(util.inspect({ n }, { depth: 1 }), /fields: \[Object\]/)
  // console.log goes through util.inspect (formatWithOptions).
  assert.equal(util.format('%o', n).startsWith('PaymentNotification {'), true)
  assert.equal(util.format('%s', n.outTradeNo), '20261127131540000001')
})

test('documented: no own properties, so Object.keys, spreading and structuredClone need toJSON()', () => {
  const n = verifier.verifyPayment(BODY)
  assert.deepEqual(Object.keys(n), [])
  assert.deepEqual(Object.entries(n), [])
  assert.deepEqual({ ...n }, {})
  assert.deepEqual(Object.assign({}, n), {})
  assert.deepEqual(structuredClone(n), {})
  // The plain form has them all.
  const plain = n.toJSON()
  assert.deepEqual(Object.keys({ ...plain }), names(n))
  assert.deepEqual(structuredClone(plain), plain)
  // Two results are compared through their plain forms.
  const other = new Verifier({ apiKey: KEY, signType: 'MD5' }).verifyPayment(BODY)
  assert.deepEqual(other.toJSON(), plain)
  assert.notEqual(other.fields, n.fields) // a new result, a new fields object
})

test('results are read-only, made by the verifiers only, and their getters check their receiver', () => {
  const n = verifier.verifyPayment(BODY)
  // This file is strict: assigning to a getter-only property throws; adding a property works.
  assert.throws(() => {
    n.totalFee = 1
  }, TypeError)
  assert.throws(() => {
    n.fields = {}
  }, TypeError)
  assert.equal(n.totalFee, 4480)
  n.note = 'mine'
  assert.equal(n.note, 'mine')
  // Not constructible from outside.
  assert.throws(() => new n.constructor(), TypeError)
  assert.throws(() => new n.constructor(Symbol('wechatpay-notify result'), {}), TypeError)
  // A getter called on anything else is a TypeError (not a NotifyError).
  const proto = Object.getPrototypeOf(n)
  for (const name of ['fields', 'totalFee', 'outTradeNo']) {
    assert.throws(() => Object.getOwnPropertyDescriptor(proto, name).get.call({}), TypeError, name)
  }
  assert.throws(() => proto.toJSON.call({ __proto__: proto }), TypeError)
})

test('an amount the core refuses throws missing_field on every read, never cached; inspect shows it', () => {
  const pairs = [
    ['return_code', 'SUCCESS'],
    ['result_code', 'SUCCESS'],
    ['transaction_id', '42'],
    ['out_trade_no', 'order-1'],
    ['total_fee', '101'],
    ['cash_fee', '1.0'],
  ]
  const { sign } = require('..')
  const body = `<xml>${pairs.map(([k, v]) => `<${k}>${v}</${k}>`).join('')}<sign>${sign(pairs, KEY, 'MD5')}</sign></xml>`
  const n = verifier.verifyPayment(body)
  const calls = nativeCalls(() => {
    for (let i = 0; i < 2; i++) {
      assert.throws(() => n.cashFee, (err) => err instanceof NotifyError && err.code === 'missing_field' && /cash_fee/.test(err.message))
    }
  })
  assert.deepEqual(calls, { typed: 2 })
  assert.equal(n.isSuccess, true)
  assert.equal(n.totalFee, 101)
  assert.match(util.inspect(n), /cashFee: \[throws NotifyError missing_field\]/)
  assert.throws(() => JSON.stringify(n), (err) => err instanceof NotifyError && err.code === 'missing_field')
})

test('APIv3 and Endpoint results: lazy, cached, shown and converted alike', () => {
  const v3 = load('v3_notify.json')
  const group = v3.testGroups[0]
  const tc = group.tests.find((t) => t.result === 'valid' && t.expected.typed.transaction !== null)
  const v = new V3Verifier({ apiV3Key: group.config.apiV3Key, platformKeys: group.config.platformKeys })
  let n
  const typical = nativeCalls(() => {
    n = v.verify(tc.headers, tc.body, { now: tc.now })
    const t = n.transaction
    assert.equal(n.transaction, t)
    for (let i = 0; i < 2; i++) void [t.outTradeNo, t.transactionId, t.amountTotal, n.isSuccess, n.dedupeKey]
  })
  assert.deepEqual(typical, { view: 1, transactionTyped: 3, eventTyped: 2 })
  assert.equal(n.resource, n.resource)
  const { id, transaction } = n
  assert.equal(id, tc.expected.id)
  assert.equal(transaction.constructor.name, 'V3Transaction')
  const shown = util.inspect(n, { depth: 3 })
  assert.match(shown, /^V3Notification \{/)
  assert.match(shown, /transaction: V3Transaction \{/)
  assert.match(shown, new RegExp(`outTradeNo: '${tc.expected.typed.transaction.out_trade_no}'`))
  assert.equal(JSON.stringify(n), JSON.stringify(n.toJSON()))
  assert.deepEqual(JSON.parse(JSON.stringify(n)).transaction, JSON.parse(JSON.stringify(n.transaction.toJSON())))

  const ep = load('endpoint.json').testGroups[0]
  const e = new Endpoint({
    profiles: ep.config.profiles.map((p) => ({
      label: p.label,
      v2: { apiKey: p.v2.apiKey, signType: p.v2.signType, mchId: p.v2.mchId },
      v3: { apiV3Key: p.v3.apiV3Key, platformKeys: p.v3.platformKeys },
    })),
  })
  const valid = ep.tests.find((t) => t.result === 'valid' && t.expected.kind === 'v2_payment')
  let h
  const handled = nativeCalls(() => {
    h = e.handle(valid.headers, valid.body, { now: valid.now })
    const { label, kind, notification, dedupeKey } = h
    assert.deepEqual([label, kind, dedupeKey], [valid.expected.label, 'v2_payment', valid.expected.dedupeKey])
    assert.equal(h.notification, notification)
    assert.equal(notification.constructor.name, 'PaymentNotification')
  })
  assert.deepEqual(handled, { label: 1, kind: 1, resultTyped: 1 })
  assert.match(util.inspect(h), /^Handled \{\n {2}label: /)
  assert.match(util.inspect(h), /notification: PaymentNotification \{/)
  assert.deepEqual(Object.keys(h.toJSON()), names(h))
  assert.deepEqual(h.toJSON().notification, h.notification.toJSON())
  assert.deepEqual(h.toJSON().reply, valid.expected.reply)
})

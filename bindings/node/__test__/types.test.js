'use strict'
// The hand-written result types of notify.d.ts against (1) the objects the package returns and
// (2) the core's declaration of the typed views (tests/vectors/typed_views.json), in both
// directions, kinds included: a property added to the core, to the addon or to the .d.ts alone
// fails here.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { Verifier, V3Verifier, Endpoint, NotifyError, sign, replyV3Success } = require('..')

const ROOT = path.join(__dirname, '..', '..', '..')
const VECTORS = path.join(ROOT, 'tests', 'vectors')
const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())

// `interface Name [extends Base] { member: type ... }` blocks of a .d.ts file, members of the
// bases included (one member per line, as these files are written).
function interfaces(file) {
  const text = fs.readFileSync(path.join(__dirname, '..', file), 'utf8')
  const found = {}
  for (const m of text.matchAll(/^(?:export )?interface (\w+)(?: extends (\w+))? \{\n([\s\S]*?)^\}/gm)) {
    const members = {}
    for (const line of m[3].split('\n')) {
      const member = line.match(/^ {2}(?:readonly )?(\w+)\??: (.+)$/)
      if (member) members[member[1]] = member[2]
    }
    found[m[1]] = { base: m[2], members }
  }
  for (const entry of Object.values(found)) {
    if (entry.base) entry.members = { ...found[entry.base].members, ...entry.members }
  }
  return Object.fromEntries(Object.entries(found).map(([name, entry]) => [name, entry.members]))
}

const TYPES = interfaces('notify.d.ts')
const NATIVE_TYPES = interfaces('index.d.ts')

const load = (name) => JSON.parse(fs.readFileSync(path.join(VECTORS, name), 'utf8'))
const KEY = '192006250b4c09247ec02edce69f6a2d'

function payment() {
  const pairs = [
    ['return_code', 'SUCCESS'],
    ['result_code', 'SUCCESS'],
    ['mch_id', '10000100'],
    ['transaction_id', '4200000001'],
    ['out_trade_no', 'order-1'],
    ['total_fee', '2'],
    ['coupon_count', '1'],
    ['coupon_id_0', 'C0'],
    ['coupon_fee_0', '1'],
  ]
  const body = `<xml>${pairs.map(([k, v]) => `<${k}>${v}</${k}>`).join('')}<sign>${sign(pairs, KEY, 'MD5')}</sign></xml>`
  return new Verifier({ apiKey: KEY, signType: 'MD5' }).verifyPayment(body)
}

function refund() {
  const group = load('v2_refund.json').testGroups.find((g) => g.tests.some((t) => t.result === 'valid'))
  const tc = group.tests.find((t) => t.result === 'valid')
  return new Verifier({ apiKey: group.config.apiKey, signType: group.config.signType }).decryptRefund(tc.body)
}

function v3(view) {
  const file = load('v3_notify.json')
  const group = file.testGroups[0]
  const tc = group.tests.find((t) => t.result === 'valid' && t.expected.typed[view] !== null)
  return new V3Verifier({ apiV3Key: group.config.apiV3Key, platformKeys: group.config.platformKeys }).verify(tc.headers, tc.body, { now: tc.now })
}

function endpointCase(result) {
  const group = load('endpoint.json').testGroups[0]
  const profiles = group.config.profiles.map((p) => ({
    label: p.label,
    v2: { apiKey: p.v2.apiKey, signType: p.v2.signType, mchId: p.v2.mchId },
    v3: { apiV3Key: p.v3.apiV3Key, platformKeys: p.v3.platformKeys },
  }))
  const tc = group.tests.find((t) => t.result === result)
  const e = new Endpoint({ profiles })
  if (result === 'valid') return e.handle(tc.headers, tc.body, { now: tc.now })
  try {
    e.handle(tc.headers, tc.body, { now: tc.now })
  } catch (err) {
    assert.ok(err instanceof NotifyError)
    return err
  }
  assert.fail('expected a refusal')
}

test('notify.d.ts declares the properties the package returns, no more, no fewer', () => {
  const n = payment()
  const v3Payment = v3('transaction')
  const cases = [
    ['PaymentNotification', n],
    ['Coupon', n.coupons[0]],
    ['RefundNotification', refund()],
    ['V3Notification', v3Payment],
    ['V3Transaction', v3Payment.transaction],
    ['V3Refund', v3('refund').refund],
    ['HandledPayment', endpointCase('valid')],
  ]
  for (const [type, value] of cases) {
    assert.ok(type in TYPES, `notify.d.ts declares ${type}`)
    assert.deepEqual(Object.keys(value).sort(), Object.keys(TYPES[type]).sort(), `${type}: runtime vs notify.d.ts`)
  }
  const err = endpointCase('invalid')
  for (const name of Object.keys(TYPES.RejectionDetails)) assert.ok(Object.hasOwn(err, name), `NotifyError.${name}`)
  assert.deepEqual(Object.keys(replyV3Success()).sort(), Object.keys(NATIVE_TYPES.HttpReply).sort(), 'HttpReply')
})

// The TypeScript type of each kind of typed_views.json.
const TS_KIND = { text: 'string | null', amount: 'Amount', bool: 'boolean', sign_type: 'SignType', coupons: 'Coupon[]' }

test('notify.d.ts types every typed view exactly as the core declares it (typed_views.json), both directions', () => {
  const declared = load('typed_views.json')
  const views = {
    payment: ['PaymentNotification', ['fields', 'fieldList']],
    refund: ['RefundNotification', ['fields', 'fieldList', 'reqInfo', 'reqInfoList']],
    v3_transaction: ['V3Transaction', []],
    v3_refund: ['V3Refund', []],
  }
  assert.deepEqual(Object.keys(declared.views).sort(), Object.keys(views).sort())
  for (const [view, properties] of Object.entries(declared.views)) {
    const [type, documents] = views[view]
    const members = Object.fromEntries(Object.entries(TYPES[type]).filter(([name]) => !documents.includes(name)))
    const core = properties.map((p) => camel(p.name))
    assert.deepEqual(Object.keys(members), core, `${type}: the core's properties, in its order`)
    for (const p of properties) {
      assert.ok(p.kind in TS_KIND, `${view}.${p.name}: unknown kind ${p.kind}`)
      assert.equal(members[camel(p.name)], TS_KIND[p.kind], `${type}.${camel(p.name)} is a ${p.kind}`)
    }
  }
})

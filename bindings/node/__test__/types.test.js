'use strict'
// The result types of notify.d.ts against (1) the objects the package returns, and (2) the core's
// declaration of the typed views (tests/vectors/typed_views.json), from which scripts/gen-types.js
// writes their members: a property added to the core, to the addon or to the .d.ts alone fails here.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { Verifier, V3Verifier, Endpoint, NotifyError, sign, replyV3Success } = require('..')
const { render, DTS_FILE } = require('../scripts/gen-types.js')
const native = require('../index.js')

const ROOT = path.join(__dirname, '..', '..', '..')
const VECTORS = path.join(ROOT, 'tests', 'vectors')
const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())

// `interface Name [extends Base] { member: type ... }` blocks of a .d.ts text, members of the
// bases included (one member per line, as these files are written).
function interfaces(text) {
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

const dts = (file) => fs.readFileSync(path.join(__dirname, '..', file), 'utf8')
const TYPES = interfaces(dts('notify.d.ts'))
// The interface of each typed view of the core, in typed_views.json's order.
const VIEW_TYPES = [
  ['payment', 'PaymentNotification'],
  ['refund', 'RefundNotification'],
  ['v3_transaction', 'V3Transaction'],
  ['v3_refund', 'V3Refund'],
  ['v3_profit_sharing', 'V3ProfitSharing'],
  ['v3_transfer', 'V3Transfer'],
  ['v3_complaint', 'V3Complaint'],
  ['v3_notification', 'V3Notification'],
  ['endpoint_result', 'HandledBase'],
]
const NATIVE_TYPES = interfaces(dts('index.d.ts'))

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
    ['V3ProfitSharing', v3('profit_sharing').profitSharing],
    ['V3Transfer', v3('transfer').transfer],
    ['V3Complaint', v3('complaint').complaint],
    ['HandledPayment', endpointCase('valid')],
  ]
  // A result's properties are enumerable getters of its class (for...in lists them, as toJSON()
  // does); a coupon and a reply are plain objects.
  const names = (value) => {
    const out = []
    for (const name in value) out.push(name)
    return out
  }
  for (const [type, value] of cases) {
    assert.ok(type in TYPES, `notify.d.ts declares ${type}`)
    assert.deepEqual(names(value).sort(), Object.keys(TYPES[type]).sort(), `${type}: runtime vs notify.d.ts`)
    if (typeof value.toJSON === 'function') assert.deepEqual(Object.keys(value.toJSON()).sort(), Object.keys(TYPES[type]).sort(), `${type}: toJSON() vs notify.d.ts`)
  }
  const err = endpointCase('invalid')
  for (const name of Object.keys(TYPES.RejectionDetails)) assert.ok(Object.hasOwn(err, name), `NotifyError.${name}`)
  assert.deepEqual(Object.keys(replyV3Success()).sort(), Object.keys(NATIVE_TYPES.HttpReply).sort(), 'HttpReply')
})

test('notify.d.ts is what scripts/gen-types.js writes from typed_views.json (--check)', () => {
  const { spawnSync } = require('node:child_process')
  const check = spawnSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'gen-types.js'), '--check'], { encoding: 'utf8' })
  assert.equal(check.status, 0, check.stderr)
  // Every member of a view, in the core's order, under its camelCase name.
  const declared = load('typed_views.json')
  // The members before a view's generated region (the documents).
  const documents = { PaymentNotification: 2, RefundNotification: 4, V3Transaction: 0, V3Refund: 0, V3ProfitSharing: 0, V3Transfer: 0, V3Complaint: 0, V3Notification: 0, HandledBase: 1 }
  assert.deepEqual(Object.keys(declared.views), VIEW_TYPES.map(([view]) => view), 'a type for every view of the core')
  for (const [view, type] of VIEW_TYPES) {
    const names = declared.views[view].map((p) => camel(p.name))
    assert.deepEqual(Object.keys(TYPES[type]).slice(documents[type], documents[type] + names.length), names, type)
  }
})

test('gen-types: a property the core adds or drops is written in its place, typed by its kind, with its doc', () => {
  // Names no WeChat Pay field has, so that the test holds whatever the core comes to declare.
  const declared = load('typed_views.json')
  declared.views.payment.splice(1, 0, { name: 'test_only_openid', kind: 'text', source: 'fields', doc: '`test_only_openid`; `None` for a guest.' })
  declared.views.refund = declared.views.refund.filter((p) => p.name !== 'refund_account')
  declared.views.v3_refund.push({ name: 'test_only_total', kind: 'amount', source: { resource: ['amount', 'test_only_total'] }, doc: '`amount.test_only_total` in fen.' })
  declared.views.v3_transaction.push({ name: 'test_only_combined', kind: 'bool', source: 'rule', doc: 'A combined payment.' })
  const out = render(declared, fs.readFileSync(DTS_FILE, 'utf8'))
  const types = interfaces(out)
  assert.deepEqual(Object.keys(types.PaymentNotification).slice(2, 5), ['appid', 'testOnlyOpenid', 'mchId'])
  assert.equal(types.PaymentNotification.testOnlyOpenid, 'string | null')
  assert.equal('refundAccount' in types.RefundNotification, false)
  assert.equal(Object.keys(types.V3Refund).at(-1), 'testOnlyTotal')
  assert.equal(types.V3Refund.testOnlyTotal, 'Amount')
  assert.match(out, /\/\*\* `amount\.test_only_total` in fen \(`Amount`: throws `missing_field` when malformed\)\. \*\/\n {2}testOnlyTotal: Amount\n/)
  assert.match(out, /\/\*\* `test_only_openid`; `null` for a guest\. \*\/\n {2}testOnlyOpenid: string \| null\n/)
  assert.equal(types.V3Transaction.testOnlyCombined, 'boolean')
  assert.match(out, /\/\*\* A combined payment\. \*\/\n {2}testOnlyCombined: boolean\n/)
  // Everything outside the generated regions is unchanged.
  const outside = (text) => text.replace(/\/\/ generated by [^\n]*\n[\s\S]*?\/\/ end of generated "[a-z0-9_]+"/g, '')
  assert.equal(outside(out), outside(fs.readFileSync(DTS_FILE, 'utf8')))
  // A kind the generator does not know, a view it does not know, a property without
  // documentation and one written by hand too are errors, not guesses.
  declared.views.v3_refund.push({ name: 'x', kind: 'money', source: 'rule', doc: 'X.' })
  const text = fs.readFileSync(DTS_FILE, 'utf8')
  assert.throws(() => render(declared, text), /unknown kind/)
  assert.throws(() => render({ views: { ...load('typed_views.json').views, v3_bill: [] } }, text), /views/)
  assert.throws(() => render(load('typed_views.json'), text.replace('// end of generated "refund"', '')), /needs the markers/)
  const undocumented = load('typed_views.json')
  delete undocumented.views.payment[0].doc
  assert.throws(() => render(undocumented, text), /payment\.appid has no doc/)
  // A typed property also written by hand in its interface is an error: the core declares it.
  const byHand = text.replace('export interface V3Notification {\n', 'export interface V3Notification {\n  eventType: string\n')
  assert.throws(() => render(load('typed_views.json'), byHand), /V3Notification\.eventType is generated/)
})

test('notify.d.ts documents each typed property with the core\'s doc', () => {
  const declared = load('typed_views.json')
  const text = fs.readFileSync(DTS_FILE, 'utf8')
  for (const [view, type] of VIEW_TYPES) {
    const body = text.match(new RegExp(`^(?:export )?interface ${type} \\{\\n([\\s\\S]*?)^\\}`, 'm'))[1]
    for (const p of declared.views[view]) {
      // The comment right above the member, its lines joined.
      const m = body.match(new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\n {2}${camel(p.name)}: `))
      assert.ok(m, `${type}.${camel(p.name)} has a comment`)
      const comment = m[1].split('\n').map((l) => l.replace(/^\s*\*?\s?/, '')).join(' ').replace(/\s+/g, ' ').trim()
      const core = p.doc.replaceAll('`None`', '`null`')
      assert.ok(comment.startsWith(core.replace(/\.$/, '')), `${type}.${camel(p.name)}: ${comment} / ${core}`)
    }
  }
})

// The options interface of each verifier's and of a merchant profile's settings (the core's
// declaration, `settings`).
const OPTION_TYPES = [
  ['v2_verifier', 'VerifierOptions'],
  ['v3_verifier', 'V3VerifierOptions'],
  ['merchant_profile', 'MerchantProfileOptions'],
]

test('VerifierOptions, V3VerifierOptions and MerchantProfileOptions are the core\'s settings: names, order, required ones, types', () => {
  const declared = load('typed_views.json')
  assert.deepEqual(Object.keys(declared.settings), OPTION_TYPES.map(([verifier]) => verifier))
  for (const [verifier, type] of OPTION_TYPES) {
    const settings = declared.settings[verifier]
    assert.deepEqual(Object.keys(TYPES[type]), settings.map((s) => camel(s.name)), type)
    const text = dts('notify.d.ts').match(new RegExp(`^export interface ${type} \\{\\n([\\s\\S]*?)^\\}`, 'm'))[1]
    for (const s of settings) {
      const required = new RegExp(`^  ${camel(s.name)}: `, 'm').test(text)
      assert.equal(required, s.required, `${type}.${camel(s.name)}`)
    }
    // The addon names the same options (what the package checks a caller's names against).
    assert.deepEqual(native.settingNames(verifier), settings.map((s) => camel(s.name)))
  }
  assert.equal(TYPES.VerifierOptions.alsoAccept, 'readonly SignType[] | null')
  assert.equal(TYPES.MerchantProfileOptions.label, 'string')
  assert.equal(TYPES.MerchantProfileOptions.v3, 'ProfileV3Options | null')
  assert.equal(TYPES.V3VerifierOptions.platformKeys, 'PlatformKeys | TrustedKeys')
})

test('gen-types: a setting the core adds is written in its options, typed by its kind, with its doc and default', () => {
  const declared = load('typed_views.json')
  declared.settings.v3_verifier.push({ name: 'test_only_grace', kind: 'seconds', required: false, default: 7, read_back: true, doc: 'A grace period; `None`: none.' })
  const out = render(declared, fs.readFileSync(DTS_FILE, 'utf8'))
  assert.equal(interfaces(out).V3VerifierOptions.testOnlyGrace, 'number | null')
  assert.match(out, /\/\*\* A grace period; `null`: none; default 7\. \*\/\n {2}testOnlyGrace\?: number \| null\n/)
  declared.settings.v3_verifier.push({ name: 'when', kind: 'timestamp', required: false, default: null, read_back: true, doc: 'When.' })
  assert.throws(() => render(declared, out), /unknown setting kind/)
  const byHand = out.replace('export interface VerifierOptions {\n', 'export interface VerifierOptions {\n  mchId?: string\n')
  assert.throws(() => render(load('typed_views.json'), byHand), /VerifierOptions\.mchId is generated/)
})

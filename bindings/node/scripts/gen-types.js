#!/usr/bin/env node
'use strict'
// Writes the typed-view members of notify.d.ts from the core's declaration of the typed views,
// tests/vectors/typed_views.json (`cargo run -p xtask -- vectors` writes it from the core's
// typed_view!/json_view! lists). Each view's members sit between two marker comments inside its
// interface; everything else in notify.d.ts is written by hand.
//
//   node scripts/gen-types.js           rewrite the generated regions
//   node scripts/gen-types.js --check   exit 1 when notify.d.ts differs from what it would write
//
// Names: the core's snake_case in camelCase (as the addon names the properties). Types by kind.
// Comments: the field (or resource path) the value is read from, plus the Node wording below.
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..', '..', '..')
const VIEWS_FILE = path.join(ROOT, 'tests', 'vectors', 'typed_views.json')
const DTS_FILE = path.join(__dirname, '..', 'notify.d.ts')

/** The TypeScript type of each kind (an unknown kind is an error: the generator must learn it). */
const TS_TYPE = {
  text: 'string | null',
  amount: 'Amount',
  bool: 'boolean',
  sign_type: 'SignType',
  coupons: 'Coupon[]',
}

/** The interface each view's members belong to. */
const INTERFACE = {
  payment: 'PaymentNotification',
  refund: 'RefundNotification',
  v3_transaction: 'V3Transaction',
  v3_refund: 'V3Refund',
}

const DIRECT = '(direct merchants)'
const PROVIDER = '(service provider)'
const SUB = '(sub-merchant)'
const CHECK_AMOUNT = "compare it with your order's amount before you fulfil it"
// Documentation, keyed `view.name`: appended to the source for a field, the whole comment for a
// property computed by a rule of the core. A property without a note gets its source only; a note
// for a property the core does not declare is an error.
const NOTES = {
  'payment.sub_appid': '(service-provider mode)',
  'payment.sub_mch_id': '(service-provider mode)',
  'payment.result_code': '(`SUCCESS` / `FAIL`)',
  'payment.time_end': '(`yyyyMMddHHmmss`, Beijing time)',
  'payment.total_fee': CHECK_AMOUNT,
  'payment.sign_type': 'The algorithm the signature verified with.',
  'payment.is_success': '`return_code` and `result_code` are both `SUCCESS`: the payment succeeded.',
  'payment.dedupe_key':
    'The idempotency key (record each notification once per key; SPEC §2): `transaction_id` when the payment succeeded (the same as the APIv3 delivery\'s), else `transaction_id:RESULT_CODE` (e.g. `4200…:FAIL`), so a later success is not swallowed by an earlier failure; `null` without a `transaction_id`.',
  'payment.coupons':
    'The coupons `0..coupon_count` from `coupon_{id,type,fee}_$n`. Throws `missing_field` (see `Amount`) when `coupon_count` or a `coupon_fee_$n` is present in another form than digits.',
  'refund.refund_status': '(`SUCCESS` / `CHANGE` / `REFUNDCLOSE`)',
  'refund.success_time': '(`yyyy-MM-dd HH:mm:ss`)',
  'refund.refund_recv_accout': "(WeChat's spelling)",
  'refund.is_success': '`refund_status` is `SUCCESS`.',
  'refund.dedupe_key':
    "The idempotency key (SPEC §2): `refund_id:STATUS`, the status in APIv3's words (`CHANGE` → `ABNORMAL`, `REFUNDCLOSE` → `CLOSED`, `SUCCESS`): each state of a refund is its own notification, and the v2 and APIv3 deliveries of one state share the key.",
  'v3_transaction.appid': DIRECT,
  'v3_transaction.mchid': DIRECT,
  'v3_transaction.sp_appid': PROVIDER,
  'v3_transaction.sp_mchid': PROVIDER,
  'v3_transaction.sub_appid': SUB,
  'v3_transaction.sub_mchid': SUB,
  'v3_transaction.trade_type': '(`JSAPI`, `NATIVE`, `APP`, ...)',
  'v3_transaction.trade_state': '(`SUCCESS`, ...)',
  'v3_transaction.success_time': '(RFC 3339 as sent)',
  'v3_transaction.payer_openid': DIRECT,
  'v3_transaction.payer_sp_openid': PROVIDER,
  'v3_transaction.payer_sub_openid': SUB,
  'v3_transaction.amount_total': CHECK_AMOUNT,
  'v3_refund.mchid': DIRECT,
  'v3_refund.sp_mchid': PROVIDER,
  'v3_refund.sub_mchid': SUB,
  'v3_refund.refund_status': '(`SUCCESS`, `CLOSED`, `ABNORMAL`)',
}

const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())

/** Where a value is read from, as the comment names it. */
function origin(p) {
  if (p.source === 'fields') return `\`${p.name}\``
  if (p.source === 'req_info') return `\`${p.name}\` of \`req_info\``
  if (p.source !== null && typeof p.source === 'object' && Array.isArray(p.source.resource)) {
    return `\`${p.source.resource.join('.')}\``
  }
  return null // a rule
}

/** The comment of one property. */
function doc(view, p) {
  const note = NOTES[`${view}.${p.name}`]
  const from = origin(p)
  if (from === null) return note ?? `\`${p.name}\`: computed by the core (see its documentation).`
  const amount = p.kind === 'amount' ? ' (`Amount`: throws `missing_field` when malformed)' : ''
  const text = `${from}${amount}${note === undefined ? '' : note.startsWith('(') ? ` ${note}` : `: ${note}`}`
  return text.endsWith('.') ? text : `${text}.`
}

/** `/** text *\/` on one line when it fits in 100 columns, else wrapped. */
function comment(text, indent) {
  const one = `${indent}/** ${text} */`
  if (one.length <= 100) return [one]
  const lines = [`${indent}/**`]
  let line = `${indent} *`
  for (const word of text.split(' ')) {
    if (line.length + 1 + word.length > 100 && line !== `${indent} *`) {
      lines.push(line)
      line = `${indent} *`
    }
    line += ` ${word}`
  }
  lines.push(line, `${indent} */`)
  return lines
}

const begin = (view) => `  // generated by scripts/gen-types.js from typed_views.json ("${view}"): do not edit`
const end = (view) => `  // end of generated "${view}"`

/** The members of one view, markers included. */
function members(view, properties) {
  const lines = [begin(view)]
  for (const p of properties) {
    const type = TS_TYPE[p.kind]
    if (type === undefined) throw new Error(`${view}.${p.name}: unknown kind ${JSON.stringify(p.kind)}`)
    lines.push(...comment(doc(view, p), '  '), `  ${camel(p.name)}: ${type}`)
  }
  lines.push(end(view))
  return lines.join('\n')
}

/** notify.d.ts with every generated region rewritten from `declared` (typed_views.json). */
function render(declared, dts) {
  const views = declared.views
  const expected = Object.keys(INTERFACE).sort().join(', ')
  if (Object.keys(views).sort().join(', ') !== expected) {
    throw new Error(`typed_views.json declares the views ${Object.keys(views).join(', ')}; this generator knows ${expected}`)
  }
  for (const key of Object.keys(NOTES)) {
    const [view, name] = key.split('.')
    if (!views[view]?.some((p) => p.name === name)) throw new Error(`NOTES["${key}"]: the core declares no such property`)
  }
  let out = dts
  for (const [view, properties] of Object.entries(views)) {
    const start = out.indexOf(`${begin(view)}\n`)
    const stop = out.indexOf(end(view))
    if (start < 0 || stop < start) {
      throw new Error(`notify.d.ts: interface ${INTERFACE[view]} needs the markers\n${begin(view)}\n${end(view)}`)
    }
    out = out.slice(0, start) + members(view, properties) + out.slice(stop + end(view).length)
  }
  return out
}

function main(args) {
  const check = args.includes('--check')
  const declared = JSON.parse(fs.readFileSync(VIEWS_FILE, 'utf8'))
  const current = fs.readFileSync(DTS_FILE, 'utf8')
  const wanted = render(declared, current)
  if (wanted === current) return 0
  if (check) {
    console.error('notify.d.ts differs from typed_views.json: run `node scripts/gen-types.js` in bindings/node')
    return 1
  }
  fs.writeFileSync(DTS_FILE, wanted)
  console.error('notify.d.ts: typed views regenerated')
  return 0
}

module.exports = { render, VIEWS_FILE, DTS_FILE }

if (require.main === module) process.exitCode = main(process.argv.slice(2))

'use strict'
// verifyPayment vs wechatpay-axios-plugin (Transformer.toObject + Hash.sign + Hash.equals) on the
// same ~1 KB, 25-field MD5 notification, in one process. Run through scripts/bench-node.sh, which
// installs the plugin into bench-work/ and passes its path as argv[2].
const assert = require('node:assert/strict')
const path = require('node:path')

const pluginDir = process.argv[2] && path.resolve(process.argv[2])
if (!pluginDir) {
  console.error('usage: node compare.js <path to wechatpay-axios-plugin>')
  process.exit(2)
}
const { Transformer, Hash } = require(pluginDir)
const { Verifier, sign } = require(path.join(__dirname, '..'))

const KEY = '192006250b4c09247ec02edce69f6a2d'
const FIELDS = [
  ['appid', 'wx2421b1c4370ec43b'],
  ['attach', '支付测试'],
  ['bank_type', 'CFT'],
  ['cash_fee', '90'],
  ['cash_fee_type', 'CNY'],
  ['coupon_count', '1'],
  ['coupon_fee', '10'],
  ['coupon_fee_0', '10'],
  ['coupon_id_0', '10000'],
  ['coupon_type_0', 'CASH'],
  ['device_info', '013467007045764'],
  ['fee_type', 'CNY'],
  ['is_subscribe', 'Y'],
  ['mch_id', '10000100'],
  ['nonce_str', '5d2b6c2a8db53831f7eda20af46e531c'],
  ['openid', 'oUpF8uMEb4qRXf22hE3X68TekukE'],
  ['out_trade_no', '1409811653'],
  ['result_code', 'SUCCESS'],
  ['return_code', 'SUCCESS'],
  ['settlement_total_fee', '100'],
  ['sub_mch_id', '10000101'],
  ['time_end', '20140903131540'],
  ['total_fee', '100'],
  ['trade_type', 'JSAPI'],
  ['transaction_id', '1004400740201409030005092168'],
]
const signature = sign(FIELDS, KEY, 'MD5')
const xml = `<xml>${FIELDS.map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`).join('')}<sign><![CDATA[${signature}]]></sign></xml>`
const body = Buffer.from(xml)

const verifier = new Verifier({ apiKey: KEY, signType: 'MD5' })

function ours() {
  return verifier.verifyPayment(body)
}

// The plugin's way to accept a v2 notification: parse, re-sign every field, compare.
function plugin() {
  const data = Transformer.toObject(body.toString())
  if (!Hash.equals(Hash.sign('MD5', data, KEY), data.sign)) throw new Error('signature mismatch')
  return data
}

// Both accept the notification, agree on the fields, and both reject a forged amount.
const a = ours()
const b = plugin()
assert.deepEqual(Object.fromEntries(a.fieldList), b)
assert.equal(a.fieldList.length, 26)
const forged = Buffer.from(xml.replace('<total_fee><![CDATA[100]]>', '<total_fee><![CDATA[1]]>'))
assert.throws(() => verifier.verifyPayment(forged), { code: 'signature_mismatch' })
assert.throws(() => {
  const d = Transformer.toObject(forged.toString())
  if (!Hash.equals(Hash.sign('MD5', d, KEY), d.sign)) throw new Error('signature mismatch')
})

function measure(fn, minMs) {
  let n = 0
  let sink
  const start = process.hrtime.bigint()
  let elapsed = 0
  while (elapsed < minMs * 1e6) {
    for (let i = 0; i < 200; i++) sink = fn()
    n += 200
    elapsed = Number(process.hrtime.bigint() - start)
  }
  if (sink === undefined) throw new Error('unreachable')
  return elapsed / n / 1000 // µs per op
}

for (let i = 0; i < 5000; i++) {
  ours()
  plugin()
}
// Interleaved rounds so machine load skews both alike. The ratio is taken from the best round of
// each side, like the Python benchmark (bindings/python/bench); medians are printed alongside.
const rounds = 11
const usOurs = []
const usPlugin = []
for (let r = 0; r < rounds; r++) {
  usOurs.push(measure(ours, 100))
  usPlugin.push(measure(plugin, 100))
}
const best = (xs) => Math.min(...xs)
const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1]
const o = best(usOurs)
const p = best(usPlugin)
const ratio = p / o
const medianRatio = median(usPlugin) / median(usOurs)
console.log(`payload: ${body.length} bytes, ${a.fieldList.length} fields (MD5), node ${process.version}, ${rounds} interleaved rounds`)
console.log(`wechatpay-notify verifyPayment:                            best ${o.toFixed(2)} µs/op, median ${median(usOurs).toFixed(2)}`)
console.log(`wechatpay-axios-plugin toObject + Hash.sign + Hash.equals: best ${p.toFixed(2)} µs/op, median ${median(usPlugin).toFixed(2)}`)
console.log(`ratio (best rounds): ${ratio.toFixed(1)}x faster (target >= 15x: ${ratio >= 15 ? 'met' : 'NOT met'}); medians: ${medianRatio.toFixed(1)}x`)

'use strict'
// How close can a Node-API result get to the SPEC §6 Node floor (8x wechatpay-axios-plugin, with
// handler-like access)? Run by scripts/bench-bounds.sh against an addon built with node.patch,
// which adds throwaway exports to NativeVerifier: verification with no result object, verification
// plus the `fields` object alone (one napi_define_properties, as the package builds it), and a
// #[napi] class whose getters call the core (the issue's suggested design). Same notification and
// reads as bindings/node/bench/compare.js; best of 9 interleaved rounds (node --expose-gc).
const os = require('node:os')
const path = require('node:path')

const [addonDir, pluginDir] = process.argv.slice(2).map((p) => path.resolve(p))
const native = require(path.join(addonDir, 'index.js'))
const pkg = require(addonDir)
const { Transformer, Hash } = require(pluginDir)

const KEY = '192006250b4c09247ec02edce69f6a2d'
const FIELDS = require(path.join(addonDir, 'bench', 'payment-fields.json'))
const signature = pkg.sign(FIELDS, KEY, 'MD5')
const body = Buffer.from(`<xml>${FIELDS.map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`).join('')}<sign><![CDATA[${signature}]]></sign></xml>`)
const raw = new native.NativeVerifier({ apiKey: KEY, signType: 'MD5' })
const verifier = new pkg.Verifier({ apiKey: KEY, signType: 'MD5' })
const reads = (n) => [n.fields, n.outTradeNo, n.transactionId, n.totalFee, n.isSuccess]

const cases = {
  'wechatpay-axios-plugin + reads': () => {
    const d = Transformer.toObject(body.toString())
    if (!Hash.equals(Hash.sign('MD5', d, KEY), d.sign)) throw new Error('signature mismatch')
    return [d, d.out_trade_no, d.transaction_id, Number(d.total_fee), d.return_code === 'SUCCESS' && d.result_code === 'SUCCESS']
  },
  'package today (plain objects) + reads': () => reads(verifier.verifyPayment(body)),
  'verification, no result object': () => raw.expVerifyOnly(body),
  'verification + fields object only': () => raw.expFields(body),
  '#[napi] class, getters + reads': () => reads(raw.expClass(body)),
}
const best = {}
for (const fn of Object.values(cases)) for (let i = 0; i < 20000; i++) fn()
for (let round = 0; round < 9; round++) {
  for (const [name, fn] of Object.entries(cases)) {
    global.gc() // each case pays for its own garbage, not for the previous case's
    const start = process.hrtime.bigint()
    for (let i = 0; i < 20000; i++) fn()
    const us = Number(process.hrtime.bigint() - start) / 20000 / 1000
    best[name] = Math.min(best[name] ?? Infinity, us)
  }
}
const peer = best['wechatpay-axios-plugin + reads']
console.log(`node ${process.version}, load ${os.loadavg()[0].toFixed(2)}; 8x the plugin = ${(peer / 8).toFixed(2)} µs per handler call`)
for (const [name, us] of Object.entries(best)) console.log(`  ${name.padEnd(40)} ${us.toFixed(2).padStart(6)} µs  ${(peer / us).toFixed(1)}x`)

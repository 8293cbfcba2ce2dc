'use strict'
// How close can a Node-API result get to the SPEC §6 Node floor (wechatpay-axios-plugin, with
// handler-like access)? Run by scripts/bench-bounds.sh with the package's release addon and the
// bench-only addon of bench/bounds/node (BoundVerifier: verification with no result object,
// verification plus the `fields` object alone, and a #[napi] class whose getters call the core).
// The notification of every benchmark (bench/payment-notification.xml); CPU time
// (process.cpuUsage), best of 9 interleaved rounds (node --expose-gc).
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const [packageDir, boundsAddon, pluginDir] = process.argv.slice(2).map((p) => path.resolve(p))
const pkg = require(packageDir)
const { BoundVerifier } = require(boundsAddon)
const { Transformer, Hash } = require(pluginDir)

const KEY = '192006250b4c09247ec02edce69f6a2d'
const body = fs.readFileSync(path.join(__dirname, '..', 'payment-notification.xml'))
const bound = new BoundVerifier(KEY)
const verifier = new pkg.Verifier({ apiKey: KEY, signType: 'MD5' })
const reads = (n) => [n.fields, n.outTradeNo, n.transactionId, n.totalFee, n.isSuccess]

const cases = {
  'wechatpay-axios-plugin + reads': () => {
    const d = Transformer.toObject(body.toString())
    if (!Hash.equals(Hash.sign('MD5', d, KEY), d.sign)) throw new Error('signature mismatch')
    return [d, d.out_trade_no, d.transaction_id, Number(d.total_fee), d.return_code === 'SUCCESS' && d.result_code === 'SUCCESS']
  },
  'package today + reads': () => reads(verifier.verifyPayment(body)),
  'verification, no result object': () => bound.verifyOnly(body),
  'verification + fields object only': () => bound.fields(body),
  '#[napi] class, getters + reads': () => reads(bound.class(body)),
}
// Every side reads the same notification alike.
const expected = cases['wechatpay-axios-plugin + reads']()
assert.deepEqual(reads(verifier.verifyPayment(body)).slice(1), expected.slice(1))
assert.deepEqual(reads(bound.class(body)).slice(1), expected.slice(1))
assert.deepEqual({ ...bound.fields(body) }, { ...expected[0] })

const cpuUs = () => {
  const u = process.cpuUsage()
  return u.user + u.system
}
const best = {}
for (const fn of Object.values(cases)) for (let i = 0; i < 20000; i++) fn()
for (let round = 0; round < 9; round++) {
  for (const [name, fn] of Object.entries(cases)) {
    global.gc() // each case pays for its own garbage, not for the previous case's
    const start = cpuUs()
    for (let i = 0; i < 20000; i++) fn()
    const us = (cpuUs() - start) / 20000
    best[name] = Math.min(best[name] ?? Infinity, us)
  }
}
const peer = best['wechatpay-axios-plugin + reads']
console.log(
  `node ${process.version}, load ${os.loadavg()[0].toFixed(2)}; payload ${body.length} bytes; CPU time; SPEC §6 budgets: ` +
    `10x the plugin = ${(peer / 10).toFixed(2)} µs (handler without fields), 3.3x = ${(peer / 3.3).toFixed(2)} µs (with fields)`,
)
for (const [name, us] of Object.entries(best)) console.log(`  ${name.padEnd(40)} ${us.toFixed(2).padStart(6)} µs  ${(peer / us).toFixed(1)}x`)

'use strict'
// Node drivers for `make bench-peers` (scripts/bench-peers.sh, bench/peers/run.py).
//
// node_driver.js CASES_JSON IMPL PEERS_NODE_MODULES, IMPL one of
//   ours-v2     wechatpay-notify's Verifier.verifyPayment (bindings/node)
//   plugin-v2   wechatpay-axios-plugin: Transformer.toObject + Hash.sign + Hash.equals (as bindings/node/bench/compare.js)
//   tenpay-v2   tenpay: Payment#_parse(xml, 'middleware_pay'), what its Express/Koa notify middleware awaits
//   ours-v3     wechatpay-notify's V3Verifier.verify
//   plugin-v3   wechatpay-axios-plugin's APIv3 pieces as its response verifier uses them: timestamp window,
//               Rsa.verify(Formatter.response(...)), then JSON.parse + Aes.AesGcm.decrypt + JSON.parse
//
// Each checks its case first (the genuine notification verifies and reads back the expected values,
// the forged one is refused), prints `ready <label>`, then answers `run <ms>` lines with
// `<calls> <cpu_ns> <wall_ns>`: handler-like calls (verify, then read what a notify handler reads)
// repeated until this process has used <ms> of CPU time (process.cpuUsage, every thread).
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const readline = require('node:readline')

const [casesPath, impl, peers] = process.argv.slice(2)
const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8'))
const peer = (name) => require(path.join(path.resolve(peers), name))
const peerVersion = (name) => peer(`${name}/package.json`).version
const ours = () => require(path.join(__dirname, '..', '..', 'bindings', 'node'))

function oursV2(c) {
  const wn = ours()
  const verifier = new wn.Verifier({ apiKey: c.api_key, signType: 'MD5' })
  const body = Buffer.from(c.body)
  const handler = () => {
    const n = verifier.verifyPayment(body)
    return [n.fields, n.outTradeNo, n.transactionId, n.totalFee, n.isSuccess]
  }
  const check = () => {
    assert.equal(Object.keys(handler()[0]).length, c.expect.field_count)
    assert.throws(() => verifier.verifyPayment(Buffer.from(c.forged)), { code: 'signature_mismatch' })
  }
  return [`wechatpay-notify ${wn.version} (Node)`, handler, check]
}

function pluginV2(c) {
  const { Transformer, Hash } = peer('wechatpay-axios-plugin')
  const body = Buffer.from(c.body)
  // The plugin's way to accept a v2 notification: parse, re-sign every field, compare.
  const verify = (raw) => {
    const data = Transformer.toObject(raw.toString())
    if (!Hash.equals(Hash.sign('MD5', data, c.api_key), data.sign)) throw new Error('signature mismatch')
    return data
  }
  const handler = () => {
    const d = verify(body)
    return [d, d.out_trade_no, d.transaction_id, Number(d.total_fee), d.return_code === 'SUCCESS' && d.result_code === 'SUCCESS']
  }
  const check = () => assert.throws(() => verify(Buffer.from(c.forged)), /signature mismatch/)
  return [`wechatpay-axios-plugin ${peerVersion('wechatpay-axios-plugin')} toObject + Hash.sign + Hash.equals`, handler, check]
}

function tenpayV2(c) {
  const Payment = peer('tenpay')
  const pay = new Payment({ appid: c.appid, mchid: c.mch_id, partnerKey: c.api_key })
  const body = Buffer.from(c.body)
  // What tenpay's notify middleware (middlewareForExpress / middleware) awaits for a payment.
  const handler = async () => {
    const d = await pay._parse(body.toString(), 'middleware_pay')
    return [d, d.out_trade_no, d.transaction_id, Number(d.total_fee), d.return_code === 'SUCCESS' && d.result_code === 'SUCCESS']
  }
  const check = () => assert.rejects(pay._parse(c.forged, 'middleware_pay'), /sign签名错误/)
  return [`tenpay ${peerVersion('tenpay')} notify middleware parse (async)`, handler, check]
}

function oursV3(c) {
  const wn = ours()
  const verifier = new wn.V3Verifier({ apiV3Key: c.api_v3_key, platformKeys: { [c.serial]: c.pem } })
  const headers = Object.fromEntries(c.headers.map(([k, v]) => [k.toLowerCase(), v]))
  const body = Buffer.from(c.body)
  const options = { now: c.now }
  const handler = () => {
    const n = verifier.verify(headers, body, options)
    const t = n.transaction
    return [n.resource, t.outTradeNo, t.transactionId, t.amountTotal, n.isSuccess]
  }
  const check = () => {
    assert.equal(handler()[0].out_trade_no, c.expect.out_trade_no)
    assert.throws(() => verifier.verify(headers, Buffer.from(c.forged), options), { code: 'signature_mismatch' })
  }
  return [`wechatpay-notify ${wn.version} V3Verifier (Node)`, handler, check]
}

function pluginV3(c) {
  const { Rsa, Formatter, Aes } = peer('wechatpay-axios-plugin')
  const certs = { [c.serial]: Rsa.from(c.pem, Rsa.KEY_TYPE_PUBLIC) }
  const headers = Object.fromEntries(c.headers.map(([k, v]) => [k.toLowerCase(), v]))
  const body = Buffer.from(c.body)
  const MAXIMUM_CLOCK_OFFSET = 300
  const verify = (raw) => {
    const data = raw.toString()
    const timestamp = headers['wechatpay-timestamp']
    const nonce = headers['wechatpay-nonce']
    const serial = headers['wechatpay-serial']
    const signature = headers['wechatpay-signature']
    if (Math.abs(c.now - timestamp) > MAXIMUM_CLOCK_OFFSET) throw new Error('timestamp offset')
    if (!Object.prototype.hasOwnProperty.call(certs, serial)) throw new Error('unknown serial')
    if (!Rsa.verify(Formatter.response(timestamp, nonce, data), signature, certs[serial])) throw new Error('signature mismatch')
    const event = JSON.parse(data)
    const { ciphertext, nonce: iv, associated_data: aad } = event.resource
    event.resource = JSON.parse(Aes.AesGcm.decrypt(ciphertext, c.api_v3_key, iv, aad))
    return event
  }
  const handler = () => {
    const r = verify(body).resource
    return [r, r.out_trade_no, r.transaction_id, r.amount.total, r.trade_state === 'SUCCESS']
  }
  const check = () => assert.throws(() => verify(Buffer.from(c.forged)), /signature mismatch/)
  return [`wechatpay-axios-plugin ${peerVersion('wechatpay-axios-plugin')} Rsa.verify + AesGcm.decrypt`, handler, check]
}

const IMPLS = {
  'ours-v2': ['v2', oursV2],
  'plugin-v2': ['v2', pluginV2],
  'tenpay-v2': ['v2', tenpayV2],
  'ours-v3': ['v3', oursV3],
  'plugin-v3': ['v3', pluginV3],
}

async function main() {
  const [which, make] = IMPLS[impl]
  const c = cases[which]
  const [label, handler, check] = make(c)
  const e = c.expect
  const want = which === 'v2'
    ? [e.out_trade_no, e.transaction_id, e.total_fee, e.is_success]
    : [e.out_trade_no, e.transaction_id, e.amount_total, e.is_success]
  const isAsync = handler.constructor.name === 'AsyncFunction'
  assert.deepEqual((await handler()).slice(1).map((x) => (typeof x === 'bigint' ? Number(x) : x)), want)
  await check()
  process.stdout.write(`ready ${label}\n`)

  const cpuNs = (since) => {
    const u = process.cpuUsage(since)
    return (u.user + u.system) * 1000
  }
  let batch = 1 // calls between clock readings, recalibrated after each run to about 1 ms
  let sink
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const words = line.trim().split(/\s+/)
    if (words[0] !== 'run') break
    const target = Number(words[1]) * 1e6
    let calls = 0
    let cpu
    const cpu0 = process.cpuUsage()
    const wall0 = process.hrtime.bigint()
    for (;;) {
      if (isAsync) {
        for (let i = 0; i < batch; i++) sink = await handler()
      } else {
        for (let i = 0; i < batch; i++) sink = handler()
      }
      calls += batch
      cpu = cpuNs(cpu0)
      if (cpu >= target) break
    }
    const wall = Number(process.hrtime.bigint() - wall0)
    batch = Math.max(1, Math.floor((calls * 1e6) / cpu))
    if (sink === undefined) throw new Error('unreachable')
    process.stdout.write(`${calls} ${cpu} ${wall}\n`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})

'use strict'
// wechatpay-notify vs wechatpay-axios-plugin on the same ~1 KB, 25-field MD5-signed payment
// notification, in one process. Run through scripts/bench-node.sh, which installs the plugin into
// bench-work/node (never a project dependency) and passes its path as argv[2].
//
// The headline figure is handler-like access (SPEC §6): verify the body, then read what a notify
// handler reads -- `fields`, `outTradeNo`, `transactionId`, `totalFee`, `isSuccess` -- against the
// plugin's XML parse (`Transformer.toObject`) + re-sign (`Hash.sign`) + compare (`Hash.equals`),
// which hands back a full object, followed by the same reads from it. Verification alone is
// printed too. The two sides are timed in alternating rounds (best round of each) so a busy
// machine skews both alike.
const assert = require('node:assert/strict')
const path = require('node:path')
const os = require('node:os')

const FLOOR = 8 // SPEC §6: handler-like access at least 8x the plugin's parse + verify

const pluginDir = process.argv[2] && path.resolve(process.argv[2])
if (!pluginDir) {
  console.error('usage: node compare.js <path to wechatpay-axios-plugin>')
  process.exit(2)
}
const { Transformer, Hash } = require(pluginDir)
const wn = require(path.join(__dirname, '..'))
const { Verifier, sign } = wn

const KEY = '192006250b4c09247ec02edce69f6a2d'
// The notification's fields before signing (shared with bench/bounds/node_bounds.js).
const FIELDS = require('./payment-fields.json')
const signature = sign(FIELDS, KEY, 'MD5')
const xml = `<xml>${FIELDS.map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`).join('')}<sign><![CDATA[${signature}]]></sign></xml>`
const body = Buffer.from(xml)

const verifier = new Verifier({ apiKey: KEY, signType: 'MD5' })

// The plugin's way to accept a v2 notification: parse, re-sign every field, compare.
function pluginVerify(raw) {
  const data = Transformer.toObject(raw.toString())
  if (!Hash.equals(Hash.sign('MD5', data, KEY), data.sign)) throw new Error('signature mismatch')
  return data
}

function oursHandler() {
  const n = verifier.verifyPayment(body)
  return [n.fields, n.outTradeNo, n.transactionId, n.totalFee, n.isSuccess]
}

function pluginHandler() {
  const d = pluginVerify(body)
  return [d, d.out_trade_no, d.transaction_id, Number(d.total_fee), d.return_code === 'SUCCESS' && d.result_code === 'SUCCESS']
}

// Both accept the notification, agree on the fields and the handler's reads, and both reject a
// forged amount.
const a = oursHandler()
const b = pluginHandler()
assert.deepEqual({ ...a[0] }, b[0])
assert.deepEqual(a.slice(1), b.slice(1))
assert.deepEqual(a.slice(1), ['1409811653', '1004400740201409030005092168', 100, true])
assert.equal(Object.keys(a[0]).length, FIELDS.length + 1)
const forged = Buffer.from(xml.replace('<total_fee><![CDATA[100]]>', '<total_fee><![CDATA[1]]>'))
assert.throws(() => verifier.verifyPayment(forged), { code: 'signature_mismatch' })
assert.throws(() => pluginVerify(forged), /signature mismatch/)

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

const best = (xs) => Math.min(...xs)
const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1]
const rounds = 11

// Warm both sides up, then time them in interleaved rounds.
function compare(label, mine, peer) {
  for (let i = 0; i < 5000; i++) {
    mine()
    peer()
  }
  const usOurs = []
  const usPeer = []
  for (let r = 0; r < rounds; r++) {
    usOurs.push(measure(mine, 100))
    usPeer.push(measure(peer, 100))
  }
  const ratio = best(usPeer) / best(usOurs)
  console.log(`${label}:`)
  console.log(`  wechatpay-notify ${wn.version}:  best ${best(usOurs).toFixed(2)} µs/op, median ${median(usOurs).toFixed(2)}`)
  console.log(`  wechatpay-axios-plugin:  best ${best(usPeer).toFixed(2)} µs/op, median ${median(usPeer).toFixed(2)}`)
  console.log(`  ratio: ${ratio.toFixed(1)}x (best rounds), ${(median(usPeer) / median(usOurs)).toFixed(1)}x (medians)`)
  return ratio
}

console.log(
  `payload: ${body.length} bytes, ${FIELDS.length + 1} fields (MD5); node ${process.version} on ${os.arch()}, ` +
    `${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${rounds} interleaved rounds`,
)
const ratio = compare(
  'verify + handler reads (fields, outTradeNo, transactionId, totalFee, isSuccess) vs toObject + Hash.sign + Hash.equals + the same reads',
  oursHandler,
  pluginHandler,
)
compare('verify only', () => verifier.verifyPayment(body), () => pluginVerify(body))
console.log(`handler-like ratio ${ratio.toFixed(1)}x (floor >= ${FLOOR}x): ${ratio >= FLOOR ? 'MET' : 'NOT MET'}`)

'use strict'
// wechatpay-notify vs wechatpay-axios-plugin on the notification of every benchmark
// (bench/payment-notification.xml: Chinese text with full-width punctuation in `attach`, two coupons,
// 26 fields, MD5), in one process. Run through scripts/bench-node.sh, which installs the plugin into
// bench-work/node (never a project dependency) and passes its path as argv[2].
//
// The figures of SPEC §6, each against the plugin's XML parse (`Transformer.toObject`) + re-sign
// (`Hash.sign`) + compare (`Hash.equals`), which hands back a full object, followed by the same
// reads from it:
//   - a typical handler: verify the body, then read `outTradeNo`, `transactionId`, `totalFee`,
//     `isSuccess`, `dedupeKey` (floor 10x);
//   - the same handler reading `fields` as well (floor 3.3x).
// Verification alone is printed too. The two sides are timed in alternating rounds (best round of
// each) in CPU time of this process (process.cpuUsage, as the Python benchmark uses process_time),
// so a busy machine skews neither.
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const os = require('node:os')

// SPEC §6 floors against the plugin's parse + verify: a typical handler, and one reading `fields` too.
const TYPICAL_FLOOR = 10
const FIELDS_FLOOR = 3.3

const pluginDir = process.argv[2] && path.resolve(process.argv[2])
if (!pluginDir) {
  console.error('usage: node compare.js <path to wechatpay-axios-plugin>')
  process.exit(2)
}
const { Transformer, Hash } = require(pluginDir)
const wn = require(path.join(__dirname, '..'))
const { Verifier } = wn

const KEY = '192006250b4c09247ec02edce69f6a2d'
// The notification of every benchmark (Rust, Python, Node, peers), signed MD5 under KEY.
const body = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'bench', 'payment-notification.xml'))
const xml = body.toString()
const FIELD_COUNT = 26

const verifier = new Verifier({ apiKey: KEY, signType: 'MD5' })

// The plugin's way to accept a v2 notification: parse, re-sign every field, compare.
function pluginVerify(raw) {
  const data = Transformer.toObject(raw.toString())
  if (!Hash.equals(Hash.sign('MD5', data, KEY), data.sign)) throw new Error('signature mismatch')
  return data
}

// What a typical handler reads, from our result and from the plugin's object (its idempotency key
// made by the same rule: the transaction id of a success, else `transaction_id:RESULT_CODE`).
function oursTypical() {
  const n = verifier.verifyPayment(body)
  return [n.outTradeNo, n.transactionId, n.totalFee, n.isSuccess, n.dedupeKey]
}

function pluginReads(d) {
  const ok = d.return_code === 'SUCCESS' && d.result_code === 'SUCCESS'
  const key = ok ? d.transaction_id : `${d.transaction_id}:${d.result_code}`
  return [d.out_trade_no, d.transaction_id, Number(d.total_fee), ok, key]
}

function pluginTypical() {
  return pluginReads(pluginVerify(body))
}

// The same handler reading `fields` too.
function oursWithFields() {
  const n = verifier.verifyPayment(body)
  return [n.fields, n.outTradeNo, n.transactionId, n.totalFee, n.isSuccess, n.dedupeKey]
}

function pluginWithFields() {
  const d = pluginVerify(body)
  return [d, ...pluginReads(d)]
}

// Both accept the notification, agree on the fields and the handler's reads, and both reject a
// forged amount.
const READS = ['20261127131540000001', '4200001234202611271234567890', 4480, true, '4200001234202611271234567890']
assert.deepEqual(oursTypical(), READS)
assert.deepEqual(pluginTypical(), READS)
const a = oursWithFields()
const b = pluginWithFields()
assert.deepEqual({ ...a[0] }, b[0])
assert.deepEqual(a.slice(1), b.slice(1))
assert.equal(Object.keys(a[0]).length, FIELD_COUNT)
const forged = Buffer.from(xml.replace('<total_fee><![CDATA[4480]]>', '<total_fee><![CDATA[1]]>'))
assert.notDeepEqual(forged, body)
assert.throws(() => verifier.verifyPayment(forged), { code: 'signature_mismatch' })
assert.throws(() => pluginVerify(forged), /signature mismatch/)

// CPU time of this process, in µs (user + system).
function cpuUs() {
  const u = process.cpuUsage()
  return u.user + u.system
}

// One turn of the event loop. A server runs each request in a turn of its own, and Node runs the
// finalizers of native objects (here the Rust notification behind each of our results) at the next
// turn: the timed loops yield every BATCH calls, inside the timed window, so that this work is
// counted, and done as in a server (never yielding, a loop would pile up every result of the run).
const tick = () => new Promise(setImmediate)
const BATCH = 200

async function measure(fn, minMs) {
  let n = 0
  let sink
  const start = cpuUs()
  let elapsed = 0
  while (elapsed < minMs * 1e3) {
    for (let i = 0; i < BATCH; i++) sink = fn()
    await tick()
    n += BATCH
    elapsed = cpuUs() - start
  }
  if (sink === undefined) throw new Error('unreachable')
  return elapsed / n // CPU µs per op
}

const best = (xs) => Math.min(...xs)
const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1]
const rounds = 11

// Warm both sides up, then time them in interleaved rounds.
async function compare(label, mine, peer) {
  for (let i = 0; i < 5000; i += BATCH) {
    for (let j = 0; j < BATCH; j++) {
      mine()
      peer()
    }
    await tick()
  }
  const usOurs = []
  const usPeer = []
  for (let r = 0; r < rounds; r++) {
    usOurs.push(await measure(mine, 100))
    usPeer.push(await measure(peer, 100))
  }
  const ratio = best(usPeer) / best(usOurs)
  console.log(`${label}:`)
  console.log(`  wechatpay-notify ${wn.version}:  best ${best(usOurs).toFixed(2)} CPU µs/op, median ${median(usOurs).toFixed(2)}`)
  console.log(`  wechatpay-axios-plugin:  best ${best(usPeer).toFixed(2)} CPU µs/op, median ${median(usPeer).toFixed(2)}`)
  console.log(`  ratio: ${ratio.toFixed(1)}x (best rounds), ${(median(usPeer) / median(usOurs)).toFixed(1)}x (medians)`)
  return ratio
}

async function main() {
  console.log(
    `payload: bench/payment-notification.xml, ${body.length} bytes, ${FIELD_COUNT} fields (MD5); CPU time; node ${process.version} on ${os.arch()}, ` +
      `${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${rounds} interleaved rounds`,
  )
  const typical = await compare(
    'typical handler: verify + outTradeNo, transactionId, totalFee, isSuccess, dedupeKey vs toObject + Hash.sign + Hash.equals + the same reads',
    oursTypical,
    pluginTypical,
  )
  const withFields = await compare('the same handler reading fields too', oursWithFields, pluginWithFields)
  await compare('verify only', () => verifier.verifyPayment(body), () => pluginVerify(body))
  const verdict = (ratio, floor) => `${ratio.toFixed(1)}x (floor >= ${floor}x: ${ratio >= floor ? 'MET' : 'NOT MET'})`
  console.log(`ratios: typical handler ${verdict(typical, TYPICAL_FLOOR)}; with fields ${verdict(withFields, FIELDS_FLOOR)}`)
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})

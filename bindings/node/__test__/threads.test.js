'use strict'
// The addon loaded in several worker threads at once (each thread gets its own module instance),
// verifying and rejecting notifications concurrently, with results identical to the main thread.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Worker } = require('node:worker_threads')
const path = require('node:path')

const { Verifier, sign } = require('..')

const KEY = '192006250b4c09247ec02edce69f6a2d'
const THREADS = 4
const ROUNDS = 2000

function body(i) {
  const pairs = [
    ['return_code', 'SUCCESS'],
    ['result_code', 'SUCCESS'],
    ['mch_id', '10000100'],
    ['attach', `线程 ${i}`],
    ['total_fee', String(100 + i)],
    ['transaction_id', `42000000${i}`],
    ['out_trade_no', `order-${i}`],
  ]
  return `<xml>${pairs.map(([k, v]) => `<${k}>${v}</${k}>`).join('')}<sign>${sign(pairs, KEY, 'HMAC-SHA256')}</sign></xml>`
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { Verifier, NotifyError } = require(workerData.pkg)
const v = new Verifier({ apiKey: workerData.key, signType: 'HMAC-SHA256', mchId: '10000100' })
let ok = 0, rejected = 0, last = null
for (let r = 0; r < workerData.rounds; r++) {
  const n = v.verifyPayment(workerData.bodies[r % workerData.bodies.length])
  if (n.totalFee !== 100 + (r % workerData.bodies.length)) throw new Error('wrong total_fee')
  ok++
  last = n
  try {
    v.verifyPayment(workerData.forged)
  } catch (err) {
    if (!(err instanceof NotifyError) || err.code !== 'signature_mismatch') throw err
    rejected++
  }
}
// A result has no own properties: its plain form (toJSON) is what crosses to another thread.
parentPort.postMessage({ ok, rejected, last: last.toJSON() })
`

test(`${THREADS} worker threads verify concurrently`, async () => {
  const bodies = Array.from({ length: 8 }, (_, i) => body(i))
  const forged = bodies[0].replace('<total_fee>100<', '<total_fee>1<')
  const main = new Verifier({ apiKey: KEY, signType: 'HMAC-SHA256', mchId: '10000100' })
  const expectedLast = main.verifyPayment(bodies[(ROUNDS - 1) % bodies.length]).toJSON()
  const runs = Array.from(
    { length: THREADS },
    () =>
      new Promise((resolve, reject) => {
        const w = new Worker(WORKER, {
          eval: true,
          workerData: { pkg: path.join(__dirname, '..'), key: KEY, rounds: ROUNDS, bodies, forged },
        })
        w.once('message', resolve)
        w.once('error', reject)
        w.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)))
      }),
  )
  // The main thread keeps verifying while the workers run.
  for (let r = 0; r < ROUNDS; r++) assert.equal(main.verifyPayment(bodies[r % bodies.length]).totalFee, 100 + (r % bodies.length))
  const results = await Promise.all(runs)
  for (const res of results) {
    assert.equal(res.ok, ROUNDS)
    assert.equal(res.rejected, ROUNDS)
    assert.deepEqual(res.last, expectedLast)
  }
})

test('a worker that loads the addon and exits early does not disturb the others', async () => {
  const code = `require(${JSON.stringify(path.join(__dirname, '..'))}); process.exit(0)`
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve, reject) => {
      const w = new Worker(code, { eval: true })
      w.once('error', reject)
      w.once('exit', resolve)
    })
  }
  const v = new Verifier({ apiKey: KEY, signType: 'HMAC-SHA256' })
  assert.equal(v.verifyPayment(body(3)).totalFee, 103)
})

test(`${THREADS} worker threads verify APIv3 notifications and route through an Endpoint concurrently`, async () => {
  const fs = require('node:fs')
  const vectors = path.join(__dirname, '..', '..', '..', 'tests', 'vectors')
  const v3 = JSON.parse(fs.readFileSync(path.join(vectors, 'v3_notify.json'), 'utf8'))
  const group = v3.testGroups[0]
  const tc = group.tests.find((t) => t.tcId === 1)
  const options = { apiV3Key: group.config.apiV3Key, platformKeys: group.config.platformKeys }
  const { V3Verifier } = require('..')
  const expected = new V3Verifier(options).verify(tc.headers, tc.body, { now: tc.now }).toJSON()
  const code = `
    const { parentPort, workerData: w } = require('node:worker_threads')
    const { V3Verifier, Endpoint, NotifyError } = require(w.pkg)
    const v = new V3Verifier(w.options)
    const e = new Endpoint({ profiles: [{ label: 'shop', v3: w.options }] })
    let last = null
    for (let r = 0; r < w.rounds; r++) {
      last = v.verify(w.tc.headers, w.tc.body, { now: w.tc.now })
      const h = e.handle(w.tc.headers, w.tc.body, { now: w.tc.now })
      if (h.label !== 'shop' || h.dedupeKey !== last.dedupeKey) throw new Error('wrong routing')
      try {
        v.verify(w.tc.headers, w.tc.body, { now: w.tc.now + 301 })
        throw new Error('accepted')
      } catch (err) {
        if (!(err instanceof NotifyError) || err.code !== 'timestamp_out_of_window') throw err
      }
    }
    parentPort.postMessage(last.toJSON())
  `
  const runs = Array.from(
    { length: THREADS },
    () =>
      new Promise((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { pkg: path.join(__dirname, '..'), options, tc, rounds: 200 } })
        w.once('message', resolve)
        w.once('error', reject)
        w.once('exit', (c) => c !== 0 && reject(new Error(`worker exited with ${c}`)))
      }),
  )
  for (const last of await Promise.all(runs)) assert.deepEqual(last, expected)
})

'use strict'
// The Node surface of the soak (scripts/soak.sh): ROUNDS rounds of the five cases written by
// soak/extract.py (valid payment, forged payment, malformed payment, valid refund, valid APIv3
// notification) through the package in bindings/node, each verdict checked every round. Memory is
// sampled after WARMUP rounds and at the end, each time after global.gc(): VmRSS from
// /proc/self/status, process.memoryUsage().heapUsed (the live JS heap) and .heapTotal (what V8 has
// committed for it: it grows in steps of megabytes when V8 resizes its young generation, whatever
// the live data, so scripts/soak.sh judges RSS net of that growth).
//
// Each round ends with a turn of the event loop, as a server's requests do: a result keeps the
// verified notification in Rust until the garbage collector has collected it and Node has run its
// finalizer, which Node defers to the next turn of the loop (Node-API finalizers run from
// setImmediate). A loop that never yields would hold every result of the run until it ends.
//
// Usage: node --expose-gc soak.js CASES_DIR ROUNDS WARMUP
// Prints "RESULT node <verifications> <seconds> <rss_start_kb> <rss_end_kb> js_heap_bytes <start>
// <end> js_heap_committed_bytes <start> <end>" for scripts/soak.sh to judge; exits 1 on a wrong
// verdict.

const fs = require('node:fs')
const path = require('node:path')
const wn = require('../../bindings/node')

function rssKb() {
  const line = fs.readFileSync('/proc/self/status', 'ascii').split('\n').find((l) => l.startsWith('VmRSS:'))
  if (line === undefined) throw new Error('no VmRSS in /proc/self/status')
  return Number.parseInt(line.slice(6), 10)
}

function v2Verifier(cfg) {
  const options = { apiKey: cfg.apiKey, signType: cfg.signType, alsoAccept: cfg.alsoAccept }
  if (cfg.appid !== null) options.appid = cfg.appid
  if (cfg.mchId !== null) options.mchId = cfg.mchId
  if (cfg.maxBodyBytes !== null) options.maxBodyBytes = cfg.maxBodyBytes
  return new wn.Verifier(options)
}

function v3Verifier(cfg) {
  const options = { apiV3Key: cfg.apiV3Key, platformKeys: cfg.platformKeys }
  if (cfg.maxClockSkew !== null) options.maxClockSkew = cfg.maxClockSkew
  if (cfg.maxBodyBytes !== null) options.maxBodyBytes = cfg.maxBodyBytes
  return new wn.V3Verifier(options)
}

// Each case as { name, run: () => result, ok, want }.
function load(dir) {
  const doc = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json'), 'utf8'))
  const out = []
  for (const c of doc.cases) {
    const body = fs.readFileSync(path.join(dir, c.bodyFile))
    let run
    if (c.kind === 'pay') {
      const v = v2Verifier(c.config)
      run = () => v.verifyPayment(body)
    } else if (c.kind === 'refund') {
      const v = v2Verifier(c.config)
      run = () => v.decryptRefund(body)
    } else if (c.kind === 'v3') {
      const v = v3Verifier(c.config)
      const options = { now: c.now }
      run = () => v.verify(c.headers, body, options)
    } else {
      throw new Error(`unknown case kind ${c.kind}`)
    }
    const ok = c.expect.ok
    out.push({ name: c.name, run, ok, want: ok ? c.expect.dedupeKey : c.expect.error })
  }
  return out
}

async function main() {
  if (process.argv.length !== 5 || typeof global.gc !== 'function') {
    console.error('usage: node --expose-gc soak.js CASES_DIR ROUNDS WARMUP')
    return 2
  }
  const cases = load(process.argv[2])
  const rounds = Number(process.argv[3])
  const warmup = Number(process.argv[4])
  const started = process.hrtime.bigint()
  let rssStart = 0
  let heapStart = 0
  let committedStart = 0
  for (let round = 0; round < rounds; round++) {
    if (round === warmup) {
      global.gc()
      rssStart = rssKb()
      ;({ heapUsed: heapStart, heapTotal: committedStart } = process.memoryUsage())
    }
    for (const { name, run, ok, want } of cases) {
      let got
      try {
        got = run().dedupeKey
      } catch (err) {
        if (!(err instanceof wn.NotifyError)) throw err
        if (ok || err.code !== want) {
          console.error(`soak node: round ${round}: ${name}: got ${err.code} (${err.message}), want ${want}`)
          return 1
        }
        continue
      }
      if (!ok || got !== want) {
        console.error(`soak node: round ${round}: ${name}: got dedupe key ${got}, want ${want}`)
        return 1
      }
    }
    await new Promise(setImmediate)
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  global.gc()
  const rssEnd = rssKb()
  const { heapUsed: heapEnd, heapTotal: committedEnd } = process.memoryUsage()
  console.log(
    `RESULT node ${rounds * cases.length} ${seconds.toFixed(1)} ${rssStart} ${rssEnd} js_heap_bytes ${heapStart} ${heapEnd}` +
      ` js_heap_committed_bytes ${committedStart} ${committedEnd}`,
  )
  return 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (err) => {
    console.error(err)
    process.exitCode = 1
  },
)

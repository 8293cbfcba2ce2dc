'use strict'
// APIv3 smoke test of the installed npm packages (scripts/test-platforms.sh, in other platforms'
// Node): verifies the valid notifications of tests/vectors/v3_notify.json's first group (RSA-SHA256
// signature, AES-256-GCM resource) and expects a tampered body to be refused.
//
//   node smoke_v3.js VECTORS_DIR   prints "ok v3: N verified, tampered refused (CODE)", exit 0; else exit 1
const fs = require('fs')
const path = require('path')
const { V3Verifier, NotifyError } = require('wechatpay-notify')

const doc = JSON.parse(fs.readFileSync(path.join(process.argv[2], 'v3_notify.json'), 'utf8'))
const group = doc.testGroups[0]
const verifier = new V3Verifier({ apiV3Key: group.config.apiV3Key, platformKeys: group.config.platformKeys })
let verified = 0
let last = null
for (const t of group.tests) {
  if (t.result !== 'valid' || t.body === undefined) continue
  const n = verifier.verify(t.headers, t.body, { now: t.now })
  if (n.id !== t.expected.id || n.plaintext !== t.expected.plaintext) {
    console.log(`tcId ${t.tcId}: ${n.id}`)
    process.exit(1)
  }
  verified++
  last = t
}
if (verified === 0) {
  console.log('no valid APIv3 vector')
  process.exit(1)
}
try {
  verifier.verify(last.headers, last.body.replace('"id":"', '"id":"X'), { now: last.now })
  console.log('the tampered APIv3 body was accepted')
  process.exit(1)
} catch (e) {
  if (!(e instanceof NotifyError)) throw e
  console.log(`ok v3: ${verified} verified, tampered refused (${e.code})`)
}

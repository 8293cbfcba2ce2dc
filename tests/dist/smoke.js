'use strict'
// Smoke test for the installed npm packages (scripts/test-dist.sh): run from an empty project where
// `npm install --offline` put the packed wechatpay-notify and wechatpay-notify-linux-x64-gnu
// tarballs; nothing from the source tree.
//
//   node smoke.js --version               prints the package's version (the addon's)
//   node smoke.js API_KEY_FILE BODY_FILE  "ok out_trade_no=... total_fee=... success=..." and exit 0,
//                                         or "refused CODE: MESSAGE" and exit 1
const fs = require('fs')
const { Verifier, NotifyError, version } = require('wechatpay-notify')

const args = process.argv.slice(2)
if (args.length === 1 && args[0] === '--version') {
  console.log(version)
} else if (args.length !== 2) {
  console.error('usage: node smoke.js --version | API_KEY_FILE BODY_FILE')
  process.exitCode = 2
} else {
  const verifier = new Verifier({ apiKey: fs.readFileSync(args[0], 'utf8').trim(), signType: 'MD5' })
  try {
    const payment = verifier.verifyPayment(fs.readFileSync(args[1]))
    console.log(`ok out_trade_no=${payment.outTradeNo} total_fee=${payment.totalFee} success=${payment.isSuccess}`)
  } catch (e) {
    if (!(e instanceof NotifyError)) throw e
    console.log(`refused ${e.code}: ${e.message}`)
    process.exitCode = 1
  }
}

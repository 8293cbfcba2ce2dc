'use strict'
// A WeChat Pay v2 notify_url endpoint with Express and wechatpay-notify.
//
// 1. Keep the raw body (express.raw): the signature covers the exact bytes WeChat Pay sent.
// 2. Verify it with a Verifier configured with the merchant's key, algorithm and mch_id.
// 3. Record the payment idempotently, keyed by dedupeKey (transaction_id): WeChat Pay retries
//    until it reads SUCCESS, so the same notification can arrive many times.
// 4. Reply SUCCESS for every verified notification (also result_code=FAIL ones); FAIL otherwise.
//
// Run: WECHATPAY_API_KEY=... WECHATPAY_MCH_ID=... node server.js   (PORT, DB_PATH optional)
const express = require('express')
const Database = require('better-sqlite3')
const { Verifier, NotifyError, replySuccess, replyFail } = require('wechatpay-notify')

function openStore(path) {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.exec(`
    CREATE TABLE IF NOT EXISTS payments (
      transaction_id TEXT PRIMARY KEY,
      out_trade_no   TEXT NOT NULL,
      total_fee      INTEGER,
      success        INTEGER NOT NULL,
      received_at    TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE TABLE IF NOT EXISTS refunds (
      refund_id      TEXT PRIMARY KEY,
      out_refund_no  TEXT,
      refund_fee     INTEGER,
      refund_status  TEXT,
      received_at    TEXT NOT NULL DEFAULT (datetime('now'))
    );
  `)
  const insertPayment = db.prepare(
    `INSERT INTO payments (transaction_id, out_trade_no, total_fee, success)
     VALUES (?, ?, ?, ?) ON CONFLICT (transaction_id) DO NOTHING`,
  )
  const insertRefund = db.prepare(
    `INSERT INTO refunds (refund_id, out_refund_no, refund_fee, refund_status)
     VALUES (?, ?, ?, ?) ON CONFLICT (refund_id) DO NOTHING`,
  )
  return {
    db,
    /** Returns true the first time a payment is recorded, false for a retry. */
    recordPayment(n) {
      return insertPayment.run(n.dedupeKey, n.outTradeNo ?? '', n.totalFee, n.isSuccess ? 1 : 0).changes === 1
    },
    recordRefund(r) {
      return insertRefund.run(r.dedupeKey, r.outRefundNo, r.refundFee, r.refundStatus).changes === 1
    },
    close() {
      db.close()
    },
  }
}

function sendXml(res, status, body) {
  res.status(status).type('text/xml; charset=utf-8').send(body)
}

function createApp({ verifier, store, log = () => {} }) {
  const app = express()
  // Every content type, as bytes; the verifier enforces its own size limit (65536 by default).
  const rawBody = express.raw({ type: () => true, limit: '1mb' })

  function endpoint(verify, record) {
    return (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
      let notification
      try {
        notification = verify(body)
      } catch (err) {
        if (!(err instanceof NotifyError)) throw err
        log(`rejected notification: ${err.code}`)
        return sendXml(res, err.code === 'body_too_large' ? 413 : 400, replyFail(err.code))
      }
      if (notification.dedupeKey === null) {
        // Verified but unusable as an idempotency key: make WeChat Pay retry and alert someone.
        log('verified notification without a dedupe key')
        return sendXml(res, 500, replyFail('missing transaction id'))
      }
      try {
        const first = record(notification)
        log(`${first ? 'recorded' : 'duplicate'} ${notification.dedupeKey}`)
      } catch (err) {
        log(`storage failed: ${err.message}`)
        return sendXml(res, 500, replyFail('storage unavailable'))
      }
      return sendXml(res, 200, replySuccess())
    }
  }

  app.post('/wechatpay/notify', rawBody, endpoint((b) => verifier.verifyPayment(b), (n) => store.recordPayment(n)))
  app.post('/wechatpay/refund-notify', rawBody, endpoint((b) => verifier.decryptRefund(b), (r) => store.recordRefund(r)))
  app.use((err, req, res, _next) => {
    log(`request failed: ${err.message}`)
    sendXml(res, err.status && err.status < 500 ? err.status : 500, replyFail('bad request'))
  })
  return app
}

module.exports = { createApp, openStore }

if (require.main === module) {
  const verifier = new Verifier({
    apiKey: process.env.WECHATPAY_API_KEY,
    signType: process.env.WECHATPAY_SIGN_TYPE || 'HMAC-SHA256',
    mchId: process.env.WECHATPAY_MCH_ID,
    appid: process.env.WECHATPAY_APPID,
  })
  const store = openStore(process.env.DB_PATH || 'payments.sqlite3')
  const port = Number(process.env.PORT || 8080)
  createApp({ verifier, store, log: console.log }).listen(port, '127.0.0.1', () => {
    console.log(`listening on http://127.0.0.1:${port}/wechatpay/notify`)
  })
}

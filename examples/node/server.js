'use strict'
// A WeChat Pay v2 notify_url endpoint with Express, wechatpay-notify and SQLite (better-sqlite3).
//
// 1. Keep the raw body (express.raw): the signature covers the exact bytes WeChat Pay sent.
// 2. Verify it with a Verifier configured with the merchant's key, algorithm and mch_id.
// 3. Apply it to the merchant's order in one transaction, once per dedupeKey (transaction_id):
//    WeChat Pay retries until it reads SUCCESS, so the same notification can arrive many times,
//    even at once. A genuine notification proves who sent it, not that it pays *your* order: the
//    order is marked paid only if it exists, is pending and its amount equals totalFee; anything
//    else goes to `discrepancies` for a person to review and is never fulfilled.
// 4. Reply SUCCESS for every verified notification (paid, failed, discrepancy, retry); FAIL
//    otherwise.
//
// Run:    WECHATPAY_API_KEY=... WECHATPAY_MCH_ID=... node server.js   (PORT, WECHATPAY_DB,
//         WECHATPAY_SIGN_TYPE = MD5 (default) or HMAC-SHA256, WECHATPAY_APPID optional)
// Orders: WECHATPAY_DB=... node server.js add-order OUT_TRADE_NO AMOUNT_FEN
const express = require('express')
const Database = require('better-sqlite3')
const { Verifier, NotifyError, replySuccess, replyFail } = require('wechatpay-notify')

// The verifier's default limit: Express stops reading a longer body (413 body_too_large).
const MAX_BODY_BYTES = 65536

// The same schema in every example of this repository (Rust, Python, Node, .NET, C).
const SCHEMA = `
-- The merchant's orders, created by the checkout before it calls unifiedorder.
CREATE TABLE IF NOT EXISTS orders (
    out_trade_no   TEXT PRIMARY KEY NOT NULL,
    amount_fen     INTEGER NOT NULL CHECK (amount_fen > 0),
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid')),
    transaction_id TEXT
);
-- Every verified payment notification, once per dedupe_key (transaction_id), with what it did.
CREATE TABLE IF NOT EXISTS payments (
    dedupe_key   TEXT PRIMARY KEY NOT NULL,
    out_trade_no TEXT,
    total_fee    INTEGER,
    result_code  TEXT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('paid', 'failed', 'discrepancy')),
    received_at  TEXT NOT NULL DEFAULT (datetime('now'))
);
-- Verified successful payments that paid no order: for a person to review, never fulfilled.
CREATE TABLE IF NOT EXISTS discrepancies (
    dedupe_key       TEXT PRIMARY KEY NOT NULL REFERENCES payments (dedupe_key),
    out_trade_no     TEXT,
    total_fee        INTEGER,
    order_amount_fen INTEGER,
    reason           TEXT NOT NULL CHECK (reason IN ('unknown_order', 'amount_mismatch', 'already_paid')),
    received_at      TEXT NOT NULL DEFAULT (datetime('now'))
);
-- Refund notifications, once per dedupe_key (refund_id). Only a record: see recordRefund.
CREATE TABLE IF NOT EXISTS refunds (
    dedupe_key    TEXT PRIMARY KEY NOT NULL,
    out_trade_no  TEXT,
    out_refund_no TEXT,
    refund_fee    INTEGER,
    refund_status TEXT,
    received_at   TEXT NOT NULL DEFAULT (datetime('now'))
);
`

// An amount as SQLite stores it here: a safe-integer number. The binding gives a bigint past
// Number.MAX_SAFE_INTEGER; no order has such an amount, so it is stored as NULL (a mismatch).
const fen = (amount) => (typeof amount === 'number' ? amount : null)

function openStore(path) {
  // Several processes may share the file: writers wait up to 10 s for SQLite's lock.
  const db = new Database(path, { timeout: 10000 })
  db.pragma('journal_mode = WAL')
  db.exec(SCHEMA)
  const insertOrder = db.prepare('INSERT INTO orders (out_trade_no, amount_fen) VALUES (?, ?)')
  const selectOrder = db.prepare('SELECT amount_fen, status FROM orders WHERE out_trade_no = ?')
  const insertPayment = db.prepare(
    `INSERT INTO payments (dedupe_key, out_trade_no, total_fee, result_code, outcome)
     VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
  )
  const payOrder = db.prepare(
    `UPDATE orders SET status = 'paid', transaction_id = ? WHERE out_trade_no = ? AND status = 'pending'`,
  )
  const insertDiscrepancy = db.prepare(
    `INSERT INTO discrepancies (dedupe_key, out_trade_no, total_fee, order_amount_fen, reason)
     VALUES (?, ?, ?, ?, ?)`,
  )
  const insertRefund = db.prepare(
    `INSERT INTO refunds (dedupe_key, out_trade_no, out_refund_no, refund_fee, refund_status)
     VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
  )

  // One transaction per payment: a dedupe_key seen before changes nothing ('duplicate'); a failed
  // payment is logged and leaves the order alone ('failed'); a successful one pays a pending order
  // of the same amount ('paid') or is recorded for review ('discrepancy').
  const applyPayment = db.transaction((n) => {
    const key = n.dedupeKey
    const totalFee = fen(n.totalFee)
    const success = n.resultCode === 'SUCCESS'
    const order = success && n.outTradeNo !== null ? selectOrder.get(n.outTradeNo) : undefined
    let reason = null
    if (success) {
      if (order === undefined) reason = 'unknown_order'
      else if (totalFee !== order.amount_fen) reason = 'amount_mismatch'
      else if (order.status !== 'pending') reason = 'already_paid'
    }
    const outcome = !success ? 'failed' : reason === null ? 'paid' : 'discrepancy'
    if (insertPayment.run(key, n.outTradeNo, totalFee, n.resultCode, outcome).changes === 0) {
      return 'duplicate' // a retry: the first delivery did everything
    }
    if (outcome === 'paid') payOrder.run(key, n.outTradeNo)
    if (reason !== null) {
      insertDiscrepancy.run(key, n.outTradeNo, totalFee, order === undefined ? null : order.amount_fen, reason)
    }
    return outcome
  })

  return {
    db,
    /** Creates a pending order (in a real shop: the checkout, before it calls unifiedorder). */
    createOrder(outTradeNo, amountFen) {
      insertOrder.run(outTradeNo, amountFen)
    },
    /** Applies a verified payment: 'paid', 'failed', 'discrepancy' or 'duplicate'. */
    recordPayment(n) {
      // IMMEDIATE: take the write lock before reading the order, so concurrent deliveries (from
      // other processes too) are applied one at a time.
      return applyPayment.immediate(n)
    },
    /**
     * Records a refund once (true the first time). Only a record, never an action: req_info is
     * AES-256-ECB without integrity, so blocks of two genuine refund notifications of the same
     * merchant can be cut and pasted into a third that passes every check. Treat a refund
     * notification as a hint: confirm it with the refund query API before any irreversible action.
     */
    recordRefund(r) {
      return insertRefund.run(r.dedupeKey, r.outTradeNo, r.outRefundNo, fen(r.refundFee), r.refundStatus).changes === 1
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
  // Every content type, as bytes, up to the verifier's limit (Express stops reading past it).
  const rawBody = express.raw({ type: () => true, limit: MAX_BODY_BYTES })

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
      // Verified: from here on the reply is SUCCESS, unless we fail to record it.
      if (notification.dedupeKey === null) {
        // Only a failed payment can lack its key (the core requires transaction_id with
        // result_code=SUCCESS): nothing was paid, and there is nothing to record it under.
        log('verified notification without a dedupe key: acknowledged')
        return sendXml(res, 200, replySuccess())
      }
      try {
        const outcome = record(notification)
        log(`${outcome} ${notification.dedupeKey}`)
      } catch (err) {
        // Not acknowledged: WeChat Pay retries, and the retry is recorded then.
        log(`storage failed: ${err.message}`)
        return sendXml(res, 500, replyFail('internal'))
      }
      return sendXml(res, 200, replySuccess())
    }
  }

  app.post('/wechatpay/notify', rawBody, endpoint((b) => verifier.verifyPayment(b), (n) => store.recordPayment(n)))
  app.post(
    '/wechatpay/refund-notify',
    rawBody,
    endpoint(
      (b) => verifier.decryptRefund(b),
      (r) => (store.recordRefund(r) ? 'refund recorded' : 'duplicate'),
    ),
  )
  app.use((err, req, res, _next) => {
    if (err.type === 'entity.too.large') {
      log('rejected notification: body_too_large')
      return sendXml(res, 413, replyFail('body_too_large'))
    }
    log(`request failed: ${err.message}`)
    sendXml(res, err.status && err.status < 500 ? err.status : 500, replyFail('bad request'))
  })
  return app
}

module.exports = { createApp, openStore, MAX_BODY_BYTES }

function main(args) {
  const dbPath = process.env.WECHATPAY_DB || 'payments.sqlite3'
  if (args[0] === 'add-order') {
    // A stand-in for your checkout, so that the sample notifications have an order to pay.
    if (args.length !== 3 || !/^[0-9]+$/.test(args[2]) || Number(args[2]) <= 0) {
      console.error('usage: node server.js add-order OUT_TRADE_NO AMOUNT_FEN   (WECHATPAY_DB)')
      return 2
    }
    const store = openStore(dbPath)
    store.createOrder(args[1], Number(args[2]))
    store.close()
    console.log(`order ${args[1]} (${args[2]} fen) created in ${dbPath}`)
    return 0
  }
  const verifier = new Verifier({
    apiKey: process.env.WECHATPAY_API_KEY,
    signType: process.env.WECHATPAY_SIGN_TYPE || 'MD5',
    mchId: process.env.WECHATPAY_MCH_ID || undefined,
    appid: process.env.WECHATPAY_APPID || undefined,
  })
  const store = openStore(dbPath)
  const server = createApp({ verifier, store, log: console.log }).listen(Number(process.env.PORT || 8080), '127.0.0.1')
  server.on('listening', () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}/wechatpay/notify (recording into ${dbPath})`)
  })
  process.on('SIGTERM', () => server.close(() => store.close()))
  return undefined
}

if (require.main === module) {
  const status = main(process.argv.slice(2))
  if (status !== undefined) process.exitCode = status
}

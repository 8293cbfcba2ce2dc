'use strict'
// One WeChat Pay notify_url on Express for several merchants, v2 and APIv3, with wechatpay-notify's
// Endpoint and SQLite (better-sqlite3).
//
// 1. Read the raw body (express.raw, at most 65,536 bytes: never a parsed and re-serialised body,
//    the signatures cover the exact bytes) and every header as received (req.headersDistinct: a
//    repeated Wechatpay-* header reaches the endpoint, which refuses it).
// 2. Endpoint#handle decides the version (a Wechatpay-Signature header: APIv3, merchant by
//    Wechatpay-Serial; otherwise v2 XML, merchant by mch_id, a refund when req_info is present) and
//    verifies the request with that merchant's own keys.
// 3. Record a verified notification for its merchant in one IMMEDIATE transaction, once per
//    (merchant, dedupeKey): WeChat Pay retries until it is acknowledged, and a merchant migrating to
//    APIv3 gets both versions of a payment (one transaction_id, one dedupe key). A genuine
//    notification proves who sent it, not that it pays *your* order: the merchant's order is marked
//    paid only if that merchant has it, it is pending and its amount equals the payment's (v2
//    total_fee, APIv3 amount.total); anything else (an amount WeChat Pay sent in another form
//    included) goes to `discrepancies` for a person to review and is never fulfilled. Refunds are
//    recorded, never acted upon: each state of a refund once (dedupe key refund_id:STATUS), and
//    the refund's latest state in `refund_states`, which only moves forward.
// 4. Answer with the endpoint's reply (status, content type, body) exactly: the success reply, the
//    refusal (one constant message in both versions: the code is only in our log), or, when our
//    own code fails, the internal error reply (500 in the request's version: WeChat Pay retries).
//
// Run:    WECHATPAY_PROFILES=profiles.json WECHATPAY_DB=payments.sqlite3 node server.js 127.0.0.1:8080
// Orders: WECHATPAY_DB=... node server.js add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN
const fs = require('node:fs')
const path = require('node:path')
const express = require('express')
const Database = require('better-sqlite3')
const { Endpoint, NotifyError, internalErrorReply } = require('wechatpay-notify')

// The one path WeChat Pay posts every notification to (every merchant, both versions).
const NOTIFY_PATH = '/wechatpay/notify'
// The verifiers' default limit (the profiles use it).
const MAX_BODY_BYTES = 65536
// examples/schema.sql, shared by every example. `merchant` is the profile label the endpoint reports.
const SCHEMA = fs.readFileSync(path.join(__dirname, '..', 'schema.sql'), 'utf8')

// ---- what a verified notification is recorded as ------------------------------------------------

const INT64_MAX = 2n ** 63n - 1n

// An amount as SQLite stores it: a number, or a bigint up to 2^63-1 (beyond: NULL, it then matches
// no order). An amount WeChat Pay sent in another form than a non-negative integer is an error of
// its property (the getter throws NotifyError missing_field): NULL too, so it pays no order.
function fen(read) {
  try {
    const amount = read()
    return typeof amount === 'bigint' && amount > INT64_MAX ? null : amount
  } catch (err) {
    if (err instanceof NotifyError && err.code === 'missing_field') return null
    throw err
  }
}

/**
 * What to record for a verified notification, read through the core's typed views:
 * `{ type: 'payment', merchant, version, dedupeKey, outTradeNo, totalFee, result, success }`,
 * `{ type: 'refund', merchant, version, dedupeKey, outTradeNo, outRefundNo, refundFee,
 * refundStatus, refundId, state }` or `{ type: 'unrecorded', why }`. The dedupe key names the
 * state: a successful payment's transaction_id, `transaction_id:STATE` for an
 * unsuccessful one, `refund_id:STATUS` for a refund (STATUS in APIv3's words: the refund's state).
 */
function recordOf({ label: merchant, kind, notification: n }) {
  const v2 = kind !== 'v3'
  const payment = kind === 'v2_payment' ? n : n.transaction // APIv3: null unless TRANSACTION.*
  const refund = kind === 'v2_refund' ? n : n.refund // APIv3: null unless REFUND.*
  // v2 only: a failed payment without transaction_id, a refund without refund_id.
  if (n.dedupeKey === null) return { type: 'unrecorded', why: `a ${kind} notification without an id` }
  const base = { merchant, version: v2 ? 'v2' : 'v3', dedupeKey: n.dedupeKey, outTradeNo: (payment ?? refund)?.outTradeNo }
  if (payment) {
    const totalFee = fen(() => (v2 ? payment.totalFee : payment.amountTotal))
    const result = v2 ? payment.resultCode : payment.tradeState
    return { type: 'payment', ...base, totalFee, result, success: n.isSuccess }
  }
  if (refund) {
    const { outRefundNo, refundStatus, refundId } = refund
    const state = refundId !== null && n.dedupeKey.startsWith(`${refundId}:`) ? n.dedupeKey.slice(refundId.length + 1) : null
    const refundFee = fen(() => (v2 ? refund.refundFee : refund.amountRefund))
    return { type: 'refund', ...base, outRefundNo, refundFee, refundStatus, refundId, state }
  }
  return { type: 'unrecorded', why: `event type ${n.eventType} is not handled here` }
}

// ---- the store ---------------------------------------------------------------------------------

function openStore(file) {
  // Several processes may share the file: WAL mode, and writers wait up to 10 s for SQLite's lock.
  const db = new Database(file, { timeout: 10000 })
  db.pragma('journal_mode = WAL')
  db.exec(SCHEMA)
  const sql = (text) => db.prepare(text)
  const insertOrder = sql('INSERT INTO orders (merchant, out_trade_no, amount_fen) VALUES (?, ?, ?)')
  const selectOrder = sql('SELECT * FROM orders WHERE merchant = ? AND out_trade_no = ?')
  const insertPayment = sql(`INSERT INTO payments (merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (merchant, dedupe_key) DO NOTHING`)
  const payOrder = sql(`UPDATE orders SET status = 'paid', transaction_id = ?
    WHERE merchant = ? AND out_trade_no = ? AND status = 'pending'`)
  const insertDiscrepancy = sql(`INSERT INTO discrepancies (merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason)
    VALUES (?, ?, ?, ?, ?, ?)`)
  const insertRefund = sql(`INSERT INTO refunds (merchant, dedupe_key, version, out_trade_no, out_refund_no, refund_fee, refund_status)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (merchant, dedupe_key) DO NOTHING`)
  // schema.sql's one statement for every example: a final SUCCESS or CLOSED is never replaced.
  const advanceRefund = sql(`INSERT INTO refund_states (merchant, refund_id, status) VALUES (?, ?, ?)
    ON CONFLICT (merchant, refund_id) DO UPDATE SET status = excluded.status, updated_at = datetime('now')
    WHERE refund_states.status NOT IN ('SUCCESS', 'CLOSED')`)
  const selectRefundState = sql('SELECT status FROM refund_states WHERE merchant = ? AND refund_id = ?')

  // A (merchant, dedupe_key) seen before changes nothing ('duplicate': a retry, or the other
  // version's delivery); a failed payment is logged and leaves the order alone ('failed'); a
  // successful one pays that merchant's pending order of the same amount ('paid') or is recorded
  // for review ('discrepancy').
  const applyPayment = db.transaction((p) => {
    const order = p.success && p.outTradeNo !== null ? selectOrder.get(p.merchant, p.outTradeNo) : undefined
    let reason = null
    if (p.success) {
      if (order === undefined) reason = 'unknown_order'
      else if (p.totalFee === null || BigInt(p.totalFee) !== BigInt(order.amount_fen)) reason = 'amount_mismatch'
      else if (order.status !== 'pending') reason = 'already_paid'
    }
    const outcome = !p.success ? 'failed' : reason === null ? 'paid' : 'discrepancy'
    const inserted = insertPayment.run(p.merchant, p.dedupeKey, p.version, p.outTradeNo, p.totalFee, p.result, outcome)
    if (inserted.changes === 0) return 'duplicate' // the first delivery did everything
    if (outcome === 'paid') payOrder.run(p.dedupeKey, p.merchant, p.outTradeNo)
    if (reason !== null) insertDiscrepancy.run(p.merchant, p.dedupeKey, p.outTradeNo, p.totalFee, order?.amount_fen ?? null, reason)
    return outcome
  })

  // Once per (merchant, dedupe_key), i.e. once per state of the refund; a new state moves the
  // refund's recorded state forward. Returns whether it is new and the refund's state now.
  const applyRefund = db.transaction((r) => {
    const args = [r.merchant, r.dedupeKey, r.version, r.outTradeNo, r.outRefundNo, r.refundFee, r.refundStatus]
    const recorded = insertRefund.run(...args).changes === 1
    if (recorded && r.state !== null) advanceRefund.run(r.merchant, r.refundId, r.state)
    return { recorded, status: r.refundId === null ? null : (selectRefundState.get(r.merchant, r.refundId)?.status ?? null) }
  })

  return {
    db,
    /** A pending order (in a real shop: the checkout, before it asks WeChat Pay to pay it). */
    createOrder: (merchant, outTradeNo, amountFen) => insertOrder.run(merchant, outTradeNo, amountFen),
    order: (merchant, outTradeNo) => selectOrder.get(merchant, outTradeNo),
    // IMMEDIATE: the write lock before reading, so concurrent deliveries (from other processes
    // too) are applied one at a time.
    /** A verified payment: 'paid', 'failed', 'discrepancy' or 'duplicate'. */
    recordPayment: (p) => applyPayment.immediate(p),
    /**
     * A refund notification: only a record, never an action. A v2 req_info is AES-256-ECB without
     * integrity: blocks of two genuine refund notifications of the same merchant can be cut and
     * pasted into a third that passes every check. Treat a refund notification as a hint: confirm
     * it with the refund query API before any irreversible action.
     */
    recordRefund: (r) => applyRefund.immediate(r),
    close: () => db.close(),
  }
}

/** Records what `recordOf` made of a notification; returns what happened, for the log. */
function record(store, r) {
  if (r.type === 'payment') {
    const outcome = store.recordPayment(r)
    return `payment ${r.dedupeKey}: ${outcome === 'discrepancy' ? 'DISCREPANCY, recorded for review' : outcome}`
  }
  if (r.type === 'refund') {
    const { recorded, status } = store.recordRefund(r)
    const did = `${recorded ? 'recorded' : 'already recorded'}, refund state ${status ?? 'unknown'}`
    return `refund ${r.dedupeKey}: ${did} (never acted upon: confirm with the refund query API)`
  }
  return `acknowledged, not recorded: ${r.why}`
}

// ---- the app -----------------------------------------------------------------------------------

/**
 * The Express app: POST NOTIFY_PATH verifies, records and answers any notification of any merchant
 * the endpoint serves. `failFirst`: TEST ONLY, the first N requests get 500 (as if the database were
 * down) to exercise WeChat Pay's retries (`wechatpay-notify simulate --until-success`).
 */
function createApp({ endpoint, store, log = () => {}, failFirst = 0 }) {
  let injectedFailures = failFirst
  const notify = (req, res, body) => {
    if (injectedFailures > 0) {
      injectedFailures -= 1
      log('TEST ONLY: injected failure (WECHATPAY_EXAMPLE_FAIL_FIRST): 500')
      return internalErrorReply(req.headersDistinct).send(res)
    }
    let handled
    try {
      handled = endpoint.handle(req.headersDistinct, body)
    } catch (err) {
      if (!(err instanceof NotifyError) || err.reply === undefined) throw err
      // Nothing is recorded; the code and the message are for our log only (bounded, no control
      // characters: safe to log).
      log(`rejected ${err.version ?? 'undecided'} notification${err.label ? ` for ${err.label}` : ''}: ${err.code}: ${err.message}`)
      return err.reply.send(res)
    }
    // Verified: the success reply whatever the notification says (a failed payment, a retry, an
    // order that does not match): refusing it would only make WeChat Pay send it again. The one
    // exception is our own failure to record it: then WeChat Pay must retry.
    const what = `${handled.label} ${handled.kind} notification`
    try {
      log(`verified ${what}: ${record(store, recordOf(handled))}`)
    } catch (err) {
      log(`could not record the verified ${what}: ${err.message}`)
      return handled.internalErrorReply.send(res)
    }
    return handled.reply.send(res)
  }
  const app = express()
  app.disable('x-powered-by')
  const raw = express.raw({ type: () => true, limit: MAX_BODY_BYTES, inflate: false })
  app.post(NOTIFY_PATH, raw, (req, res) => notify(req, res, req.body ?? Buffer.alloc(0)))
  app.all(NOTIFY_PATH, (req, res) => res.set('Allow', 'POST').status(405).end())
  app.use((err, req, res, _next) => {
    // A body over the limit (express.raw read no more of it): the endpoint refuses any body of
    // that size first (body_too_large), in the request's version.
    if (err.type === 'entity.too.large') return notify(req, res, Buffer.alloc(MAX_BODY_BYTES + 1))
    // The request could not be read (aborted, …): no verdict; WeChat Pay retries.
    log(`request failed: ${err.message}`)
    if (!res.headersSent) internalErrorReply(req.headersDistinct).send(res)
  })
  return app
}

module.exports = { NOTIFY_PATH, MAX_BODY_BYTES, openStore, recordOf, createApp }

// ---- the command line --------------------------------------------------------------------------

function main(args) {
  const env = (name) => process.env[name] || null
  const dbPath = env('WECHATPAY_DB') ?? 'payments.sqlite3'
  if (args[0] === 'add-order') {
    // A stand-in for your checkout, so that simulated notifications have an order to pay.
    if (args.length !== 4 || !/^[0-9]+$/.test(args[3]) || Number(args[3]) <= 0) {
      console.error('usage: node server.js add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN   (WECHATPAY_DB)')
      return 2
    }
    const store = openStore(dbPath)
    try {
      store.createOrder(args[1], args[2], Number(args[3]))
    } catch (err) {
      console.error(`${dbPath}: ${err.message}`)
      return 1
    } finally {
      store.close()
    }
    console.error(`order ${args[1]}/${args[2]} (${args[3]} fen) created in ${dbPath}`)
    return 0
  }
  const refuse = (why) => {
    console.error(`configuration error: ${why}`)
    return 2
  }
  const listen = args[0] ?? env('WECHATPAY_LISTEN') ?? '127.0.0.1:8080'
  const m = /^(.+):([0-9]+)$/.exec(listen)
  if (m === null) return refuse(`listen address must be HOST:PORT, got ${JSON.stringify(listen)}`)
  const failFirst = env('WECHATPAY_EXAMPLE_FAIL_FIRST') ?? '0'
  if (!/^[0-9]+$/.test(failFirst)) return refuse(`WECHATPAY_EXAMPLE_FAIL_FIRST: not a number: ${JSON.stringify(failFirst)}`)
  if (failFirst !== '0') console.error(`TEST ONLY: the first ${failFirst} requests will get 500 (WECHATPAY_EXAMPLE_FAIL_FIRST)`)
  let endpoint
  try {
    // The core's loader: its rules and its messages (which name files and settings, never a key).
    endpoint = Endpoint.fromProfilesFile(env('WECHATPAY_PROFILES') ?? 'profiles.json')
  } catch (err) {
    if (err instanceof NotifyError) return refuse(`${err.code}: ${err.message}`)
    throw err
  }
  const store = openStore(dbPath)
  const app = createApp({ endpoint, store, failFirst: Number(failFirst), log: (line) => console.error(line) })
  const server = app.listen(Number(m[2]), m[1])
  server.on('listening', () => {
    console.error(`listening on http://${m[1]}:${server.address().port}${NOTIFY_PATH} (recording into ${dbPath})`)
  })
  server.on('error', (err) => {
    console.error(`cannot listen on ${listen}: ${err.message}`)
    process.exitCode = 2
  })
  process.on('SIGTERM', () => server.close(() => store.close()))
  return undefined
}

if (require.main === module) {
  const status = main(process.argv.slice(2))
  if (status !== undefined) process.exitCode = status
}

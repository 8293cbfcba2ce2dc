'use strict'
// One WeChat Pay notify_url on Express for several merchants, v2 and APIv3, with wechatpay-notify's
// Endpoint and SQLite (better-sqlite3).
//
// 1. Read the raw body (at most one byte past the 65,536-byte limit; never a parsed and
//    re-serialised body: the signatures cover the exact bytes) and every header as received.
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
//    the refund's latest state in `refund_states`, which only moves forward (ABNORMAL may become
//    SUCCESS or CLOSED, never the reverse, whatever order the deliveries arrive in).
// 4. Answer with the endpoint's reply (status, content type, body) exactly, for success and refusal
//    (a refusal's body is one constant message in both versions: the code is only in our log).
//
// Run:    WECHATPAY_PROFILES=profiles.json WECHATPAY_DB=payments.sqlite3 node server.js 127.0.0.1:8080
// Orders: WECHATPAY_DB=... node server.js add-order MERCHANT OUT_TRADE_NO AMOUNT_FEN
const fs = require('node:fs')
const path = require('node:path')
const express = require('express')
const Database = require('better-sqlite3')
const { Endpoint, V3Verifier, Verifier, NotifyError, replyRefusal, replyV3Fail } = require('wechatpay-notify')

// The one path WeChat Pay posts every notification to (every merchant, both versions).
const NOTIFY_PATH = '/wechatpay/notify'
// The verifiers' default limit (the profiles use it). At most one byte more is read, so that the
// endpoint sees a longer body as one (body_too_large) without the rest ever being buffered.
const MAX_BODY_BYTES = 65536
const READ_LIMIT = MAX_BODY_BYTES + 1

// The schema, examples/schema.sql, shared by every example. `merchant` is the profile label the
// endpoint reports.
const SCHEMA = fs.readFileSync(path.join(__dirname, '..', 'schema.sql'), 'utf8')

// ---- the profiles file ---------------------------------------------------------------------------

/** Why the profiles file could not be used: names files, variables and fields, never a key. */
class ConfigError extends Error {
  get name() {
    return 'ConfigError'
  }
}

function text(part, name) {
  const value = part[name]
  if (value === undefined || value === null || typeof value === 'string') return value ?? null
  throw new ConfigError(`${name} must be a string`)
}

function object(value, what) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${what} must be a JSON object`)
  }
  return value
}

/** A key named by `<name>_file` (relative to the profiles file; whitespace trimmed) or `<name>_env`. */
function secret(part, name, base) {
  if (name in part) {
    throw new ConfigError(`${name}: keys are never written into the profiles file; use ${name}_file or ${name}_env`)
  }
  const file = text(part, `${name}_file`)
  const variable = text(part, `${name}_env`)
  if (file !== null && variable === null) {
    const p = path.join(base, file)
    try {
      return fs.readFileSync(p, 'utf8').trim()
    } catch (err) {
      throw new ConfigError(`cannot read ${p}: ${err.code ?? err.message}`)
    }
  }
  if (variable !== null && file === null) {
    const value = process.env[variable]
    if (value === undefined) throw new ConfigError(`$${variable} (named by ${name}_env) is not set`)
    return value
  }
  throw new ConfigError(`give exactly one of ${name}_file and ${name}_env`)
}

// The core checks every value; its errors (NotifyError invalid_config, or TypeError for a value of
// the wrong JSON type) never contain a key.
function checked(what, build) {
  try {
    return build()
  } catch (err) {
    if (err instanceof NotifyError) throw new ConfigError(`${what}: ${err.code}: ${err.message}`)
    if (err instanceof TypeError) throw new ConfigError(`${what}: ${err.message}`)
    throw err
  }
}

function v2Part(part, base) {
  const alsoAccept = part.also_accept ?? []
  if (!Array.isArray(alsoAccept)) throw new ConfigError('also_accept must be a list of sign type names')
  const options = {
    apiKey: secret(part, 'api_key', base),
    signType: text(part, 'sign_type') ?? 'MD5',
    // The endpoint needs the merchant id, here or at the profile level (v2 routes by mch_id).
    mchId: text(part, 'mch_id'),
    appid: text(part, 'appid'),
    alsoAccept,
  }
  checked('v2', () => new Verifier(options))
  return options
}

function v3Part(part, base) {
  const files = part.platform_keys
  if (files === null || typeof files !== 'object' || Array.isArray(files)) {
    throw new ConfigError('platform_keys must map key ids to PEM files')
  }
  const platformKeys = {}
  for (const [id, file] of Object.entries(files)) {
    if (typeof file !== 'string') throw new ConfigError('platform_keys must map key ids to PEM files')
    const p = path.join(base, file)
    try {
      platformKeys[id] = fs.readFileSync(p, 'utf8')
    } catch (err) {
      throw new ConfigError(`cannot read ${p}: ${err.code ?? err.message}`)
    }
  }
  const mchIds = part.mch_ids ?? null
  if (mchIds !== null && (!Array.isArray(mchIds) || !mchIds.every((m) => typeof m === 'string'))) {
    throw new ConfigError('mch_ids must be a list of merchant ids')
  }
  const options = { apiV3Key: secret(part, 'api_v3_key', base), platformKeys, mchIds }
  const named = Object.values(files).map((f) => path.join(base, f))
  checked(`v3 (platform_keys: ${named.join(', ')})`, () => new V3Verifier(options))
  return options
}

/**
 * Reads the profiles file (the JSON format of `wechatpay-notify verify-any --profiles`) and builds
 * the endpoint; throws ConfigError.
 *
 *   {"profiles": [
 *     {"label": "shop-a",
 *      "v2": {"api_key_file": "shop-a/api_key.txt", "sign_type": "MD5", "mch_id": "10000100"},
 *      "v3": {"api_v3_key_env": "SHOP_A_API_V3_KEY",
 *             "platform_keys": {"PUB_KEY_ID_0114232134912410000000000000": "shop-a/wechatpay_public_key.pem"}}},
 *     {"label": "shop-b", "mch_id": "10000200", "v2": {…}, "v3": {…, "mch_ids": ["10000200"]}}
 *   ]}
 *
 * The merchant id (the v2 part's `mch_id`, or the profile's, which must agree) binds both
 * versions: v2 notifications are routed by it and APIv3 resources must name it (`mchid`, or a
 * partner's `sp_mchid`) unless the v3 part lists its own `mch_ids`. Two profiles with the same
 * label, mch_id, v2 API key or key id are refused by the core (invalid_config).
 */
function loadEndpoint(file) {
  let doc
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (err) {
    if (err instanceof SyntaxError) throw new ConfigError(`${file} is not JSON: ${err.message}`)
    throw new ConfigError(`cannot read ${file}: ${err.code ?? err.message}`)
  }
  const list = doc !== null && typeof doc === 'object' ? doc.profiles : undefined
  if (!Array.isArray(list)) throw new ConfigError(`${file}: needs a "profiles" list`)
  const base = path.dirname(file)
  const profiles = list.map((item, i) => {
    const p = object(item, `profiles[${i}]`)
    const label = text(p, 'label')
    if (label === null) throw new ConfigError(`profiles[${i}] needs a label`)
    try {
      const profile = {
        label,
        mchId: text(p, 'mch_id'),
        v2: p.v2 == null ? null : v2Part(object(p.v2, 'v2'), base),
        v3: p.v3 == null ? null : v3Part(object(p.v3, 'v3'), base),
      }
      // This profile's own rules (a v2 part needs its mch_id, …).
      checked('profile', () => new Endpoint({ profiles: [profile] }))
      return profile
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`profile ${label}: ${err.message}`)
      throw err
    }
  })
  // The rules between profiles: no label, mch_id, v2 API key or key id twice.
  return checked(String(file), () => new Endpoint({ profiles }))
}

// ---- what a verified notification is recorded as -----------------------------------------------

const INT64_MAX = 2n ** 63n - 1n

// An amount as SQLite stores it: the binding gives a number up to Number.MAX_SAFE_INTEGER and a
// bigint beyond; one too large for SQLite is stored as NULL (it then matches no order). An amount
// WeChat Pay sent in another form than a non-negative integer is an error of its property (the
// getter throws NotifyError missing_field): it is stored as NULL too, so a payment carrying one
// pays no order and goes to `discrepancies` (amount_mismatch); its exact text is in the
// notification's `fields` / `plaintext`.
function fen(read) {
  let amount
  try {
    amount = read()
  } catch (err) {
    if (err instanceof NotifyError && err.code === 'missing_field') return null
    throw err
  }
  return typeof amount === 'bigint' ? (amount <= INT64_MAX ? amount : null) : amount
}

/**
 * The state a refund notification reports, in APIv3's words, as the core names it in the dedupe
 * key `refund_id:STATUS` (v2 CHANGE is ABNORMAL, REFUNDCLOSE is CLOSED; APIv3 without
 * refund_status: the event type's); null without a refund_id.
 */
function refundState(dedupeKey, refundId) {
  if (refundId === null || !dedupeKey.startsWith(`${refundId}:`)) return null
  return dedupeKey.slice(refundId.length + 1) || null
}

/**
 * What to record for a verified notification (every field read through the core's typed views):
 * `{ type: 'payment', merchant, dedupeKey, version, outTradeNo, totalFee, result, success }`,
 * `{ type: 'refund', merchant, dedupeKey, version, outTradeNo, outRefundNo, refundFee, refundStatus,
 * refundId, state }` or `{ type: 'unrecorded', why }`. The dedupe key names the state (SPEC §2):
 * a successful payment's transaction_id, `transaction_id:STATE` for an unsuccessful one, and
 * `refund_id:STATUS` for a refund, so each is recorded once and a later state is not swallowed.
 */
function recordOf(handled) {
  const merchant = handled.label
  const n = handled.notification
  if (handled.kind === 'v2_payment') {
    // The core requires a transaction_id with result_code=SUCCESS: only a failed payment can lack
    // one, and there is no key to record it under.
    if (n.dedupeKey === null) return { type: 'unrecorded', why: 'a failed payment without transaction_id' }
    return {
      type: 'payment',
      merchant,
      dedupeKey: n.dedupeKey,
      version: 'v2',
      outTradeNo: n.outTradeNo,
      totalFee: fen(() => n.totalFee),
      result: n.resultCode,
      success: n.isSuccess,
    }
  }
  if (handled.kind === 'v2_refund') {
    if (n.dedupeKey === null) return { type: 'unrecorded', why: 'a refund without refund_id' }
    return {
      type: 'refund',
      merchant,
      dedupeKey: n.dedupeKey,
      version: 'v2',
      outTradeNo: n.outTradeNo,
      outRefundNo: n.outRefundNo,
      refundFee: fen(() => n.refundFee),
      refundStatus: n.refundStatus,
      refundId: n.refundId,
      state: refundState(n.dedupeKey, n.refundId),
    }
  }
  if (n.transaction !== null) {
    const t = n.transaction
    return {
      type: 'payment',
      merchant,
      dedupeKey: n.dedupeKey,
      version: 'v3',
      outTradeNo: t.outTradeNo,
      totalFee: fen(() => t.amountTotal),
      result: t.tradeState,
      success: n.isSuccess,
    }
  }
  if (n.refund !== null) {
    const r = n.refund
    return {
      type: 'refund',
      merchant,
      dedupeKey: n.dedupeKey,
      version: 'v3',
      outTradeNo: r.outTradeNo,
      outRefundNo: r.outRefundNo,
      refundFee: fen(() => r.amountRefund),
      refundStatus: r.refundStatus,
      refundId: r.refundId,
      state: refundState(n.dedupeKey, r.refundId),
    }
  }
  return { type: 'unrecorded', why: `event type ${n.eventType} is not handled here` }
}

// ---- the store ---------------------------------------------------------------------------------

function openStore(file) {
  // Several processes may share the file: WAL mode, and writers wait up to 10 s for SQLite's lock.
  const db = new Database(file, { timeout: 10000 })
  db.pragma('journal_mode = WAL')
  db.exec(SCHEMA)
  const insertOrder = db.prepare('INSERT INTO orders (merchant, out_trade_no, amount_fen) VALUES (?, ?, ?)')
  const selectOrder = db.prepare(
    'SELECT merchant, out_trade_no, amount_fen, status, transaction_id FROM orders WHERE merchant = ? AND out_trade_no = ?',
  )
  const insertPayment = db.prepare(
    `INSERT INTO payments (merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (merchant, dedupe_key) DO NOTHING`,
  )
  const payOrder = db.prepare(
    `UPDATE orders SET status = 'paid', transaction_id = ?
     WHERE merchant = ? AND out_trade_no = ? AND status = 'pending'`,
  )
  const insertDiscrepancy = db.prepare(
    `INSERT INTO discrepancies (merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason)
     VALUES (?, ?, ?, ?, ?, ?)`,
  )
  const insertRefund = db.prepare(
    `INSERT INTO refunds (merchant, dedupe_key, version, out_trade_no, out_refund_no, refund_fee, refund_status)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (merchant, dedupe_key) DO NOTHING`,
  )
  // examples/schema.sql's one statement for every example: a refund's state moves forward only
  // (a final SUCCESS or CLOSED is never replaced, whatever order the deliveries arrive in).
  const advanceRefund = db.prepare(
    `INSERT INTO refund_states (merchant, refund_id, status) VALUES (?, ?, ?)
     ON CONFLICT (merchant, refund_id) DO UPDATE SET status = excluded.status, updated_at = datetime('now')
     WHERE refund_states.status NOT IN ('SUCCESS', 'CLOSED')`,
  )
  const selectRefundState = db.prepare('SELECT status FROM refund_states WHERE merchant = ? AND refund_id = ?')

  // One transaction per payment: a (merchant, dedupe_key) seen before changes nothing ('duplicate':
  // a retry, or the other version's delivery); a failed payment is logged and leaves the order alone
  // ('failed'); a successful one pays that merchant's pending order of the same amount ('paid') or
  // is recorded for review ('discrepancy').
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
    if (reason !== null) {
      const orderAmount = order === undefined ? null : order.amount_fen
      insertDiscrepancy.run(p.merchant, p.dedupeKey, p.outTradeNo, p.totalFee, orderAmount, reason)
    }
    return outcome
  })

  // One transaction per refund notification: recorded once per (merchant, dedupe_key), i.e. once
  // per state of the refund; a new state moves the refund's recorded state forward.
  const applyRefund = db.transaction((r) => {
    const args = [r.merchant, r.dedupeKey, r.version, r.outTradeNo, r.outRefundNo, r.refundFee, r.refundStatus]
    const recorded = insertRefund.run(...args).changes === 1
    if (recorded && r.state !== null) advanceRefund.run(r.merchant, r.refundId, r.state)
    const state = r.refundId === null ? undefined : selectRefundState.get(r.merchant, r.refundId)
    return { recorded, status: state === undefined ? null : state.status }
  })

  const all = (sql) => db.prepare(sql).all()
  return {
    db,
    path: file,
    /** Creates a pending order for a merchant (in a real shop: the checkout, before it asks WeChat Pay to pay it). */
    createOrder(merchant, outTradeNo, amountFen) {
      insertOrder.run(merchant, outTradeNo, amountFen)
    },
    /** The merchant's order with this number, or undefined. */
    order(merchant, outTradeNo) {
      return selectOrder.get(merchant, outTradeNo)
    },
    /** Applies a verified payment: 'paid', 'failed', 'discrepancy' or 'duplicate'. */
    recordPayment(p) {
      // IMMEDIATE: the write lock before reading the order, so concurrent deliveries (from other
      // processes too) are applied one at a time.
      return applyPayment.immediate(p)
    },
    /**
     * Records a refund notification once per (merchant, dedupe_key) — once per state of the
     * refund — and moves the refund's state in `refund_states` forward. Returns `{ recorded, status }`:
     * whether the notification is new, and the refund's state now. Only a record, never an action:
     * a v2 req_info is AES-256-ECB without integrity, so blocks of two genuine refund
     * notifications of the same merchant can be cut and pasted into a third that passes every
     * check. Treat a refund notification as a hint: confirm it with the refund query API before
     * any irreversible action.
     */
    recordRefund(r) {
      return applyRefund.immediate(r)
    },
    count() {
      return db.prepare('SELECT COUNT(*) AS n FROM payments').get().n
    },
    payments() {
      return all(
        'SELECT merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome FROM payments ORDER BY rowid',
      )
    },
    discrepancies() {
      return all(
        'SELECT merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason FROM discrepancies ORDER BY rowid',
      )
    },
    refunds() {
      return all(
        `SELECT merchant, dedupe_key, version, out_trade_no, out_refund_no, refund_fee, refund_status
         FROM refunds ORDER BY rowid`,
      )
    },
    /** Each refund's latest state: `{ merchant, refund_id, status }`. */
    refundStates() {
      return all('SELECT merchant, refund_id, status FROM refund_states ORDER BY rowid')
    },
    close() {
      db.close()
    },
  }
}

// ---- the app -----------------------------------------------------------------------------------

/** The raw body exactly as received, but never more than `limit` bytes of it (the rest is discarded). */
function readCapped(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    let done = false
    const finish = () => {
      if (done) return
      done = true
      req.off('data', onData)
      req.resume() // read and drop whatever else the client sends
      resolve(Buffer.concat(chunks, size))
    }
    function onData(chunk) {
      const room = limit - size
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk)
      size += Math.min(chunk.length, room)
      if (size >= limit) finish()
    }
    req.on('data', onData)
    req.on('end', finish)
    req.on('error', (err) => {
      if (!done) {
        done = true
        reject(err)
      }
    })
  })
}

/** Every header as received, as [name, value] pairs (a repeated Wechatpay-* header stays repeated, and is refused). */
function headerPairs(req) {
  const pairs = []
  for (let i = 0; i < req.rawHeaders.length; i += 2) pairs.push([req.rawHeaders[i], req.rawHeaders[i + 1]])
  return pairs
}

/** The endpoint's reply exactly: its status, its content type (none for an empty body), its body. */
function respond(res, reply) {
  res.statusCode = reply.status
  if (reply.contentType !== null) res.setHeader('Content-Type', reply.contentType)
  if (reply.body !== '') res.setHeader('Content-Length', Buffer.byteLength(reply.body))
  // res.end, not res.send: Express would add "; charset=utf-8" to the content type.
  res.end(reply.body)
}

/** Our own failure (the database, or the test-only switch): 500 and the refusal reply in the request's version. */
function internalReply(v3) {
  return v3 ? replyV3Fail('internal') : { status: 500, contentType: 'text/xml', body: replyRefusal() }
}

/**
 * The Express app: POST NOTIFY_PATH verifies, records and answers any notification of any merchant
 * the endpoint serves. `failFirst`: TEST ONLY, the first N requests get 500 (as if the database were
 * down) to exercise WeChat Pay's retries (`wechatpay-notify simulate --until-success`); never set it
 * in production.
 */
function createApp({ endpoint, store, log = () => {}, failFirst = 0 }) {
  let injectedFailures = failFirst
  const app = express()
  app.disable('x-powered-by')
  app.post(NOTIFY_PATH, async (req, res) => {
    const headers = headerPairs(req)
    const v3 = headers.some(([name]) => name.toLowerCase() === 'wechatpay-signature')
    const body = await readCapped(req, READ_LIMIT)
    if (injectedFailures > 0) {
      injectedFailures -= 1
      log('TEST ONLY: injected failure (WECHATPAY_EXAMPLE_FAIL_FIRST): 500')
      return respond(res, internalReply(v3))
    }
    let handled
    try {
      handled = endpoint.handle(headers, body)
    } catch (err) {
      if (!(err instanceof NotifyError) || err.reply === undefined) throw err
      // Nothing is recorded. The reply is the same for every refusal; the code and the message are
      // for our log only (the core's messages are bounded and free of control characters: safe to log).
      const label = err.label ? ` for ${err.label}` : ''
      log(`rejected ${err.version ?? 'undecided'} notification${label}: ${err.code}: ${err.message}`)
      return respond(res, err.reply)
    }
    // Verified: from here on the reply is the success reply whatever the notification says (a failed
    // payment, a retry, an order that does not match): refusing it would only make WeChat Pay send
    // it again. The one exception is our own failure to record it.
    const what = `${handled.label} ${handled.kind} notification`
    const record = recordOf(handled)
    try {
      if (record.type === 'payment') {
        const outcome = store.recordPayment(record)
        const did = outcome === 'discrepancy' ? 'DISCREPANCY, recorded for review' : outcome
        log(`verified ${what}: payment ${record.dedupeKey}: ${did}`)
      } else if (record.type === 'refund') {
        const { recorded, status } = store.recordRefund(record)
        const did = `${recorded ? 'recorded' : 'already recorded'}, refund state ${status ?? 'unknown'}`
        log(`verified ${what}: refund ${record.dedupeKey}: ${did} (never acted upon: confirm with the refund query API)`)
      } else {
        log(`verified ${what}: acknowledged, not recorded: ${record.why}`)
      }
    } catch (err) {
      // Not acknowledged: WeChat Pay retries, and the retry is recorded then.
      log(`could not record the verified ${what}: ${err.message}`)
      return respond(res, internalReply(handled.kind === 'v3'))
    }
    return respond(res, handled.reply)
  })
  app.all(NOTIFY_PATH, (req, res) => {
    res.setHeader('Allow', 'POST')
    res.status(405).end()
  })
  app.use((err, req, res, _next) => {
    // The request could not be read (aborted, …): no verdict; WeChat Pay retries.
    log(`request failed: ${err.message}`)
    if (!res.headersSent) respond(res, internalReply(false))
  })
  return app
}

module.exports = {
  NOTIFY_PATH,
  MAX_BODY_BYTES,
  SCHEMA,
  ConfigError,
  loadEndpoint,
  openStore,
  recordOf,
  createApp,
}

// ---- the command line --------------------------------------------------------------------------

function env(name) {
  const value = process.env[name]
  return value === undefined || value === '' ? null : value
}

function main(args) {
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
  let endpoint
  let failFirst = 0
  const listen = args[0] ?? env('WECHATPAY_LISTEN') ?? '127.0.0.1:8080'
  const m = /^(.+):([0-9]+)$/.exec(listen)
  try {
    if (m === null) throw new ConfigError(`listen address must be HOST:PORT, got ${JSON.stringify(listen)}`)
    endpoint = loadEndpoint(env('WECHATPAY_PROFILES') ?? 'profiles.json')
    const n = env('WECHATPAY_EXAMPLE_FAIL_FIRST')
    if (n !== null) {
      if (!/^[0-9]+$/.test(n)) throw new ConfigError(`WECHATPAY_EXAMPLE_FAIL_FIRST: not a number: ${JSON.stringify(n)}`)
      failFirst = Number(n)
      console.error(`TEST ONLY: the first ${failFirst} requests will get 500 (WECHATPAY_EXAMPLE_FAIL_FIRST)`)
    }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(`configuration error: ${err.message}`)
    return 2
  }
  const store = openStore(dbPath)
  const app = createApp({ endpoint, store, failFirst, log: (line) => console.error(line) })
  const server = app.listen(Number(m[2]), m[1])
  server.on('listening', () => {
    const { port } = server.address()
    console.error(`listening on http://${m[1]}:${port}${NOTIFY_PATH} (recording into ${dbPath})`)
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

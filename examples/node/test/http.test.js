'use strict'
// The Express example over real HTTP on loopback: one route for two merchants, v2 and APIv3,
// configured by a profiles file, with notifications made by `wechatpay-notify simulate --print`
// (test/support.js); two `node server.js` processes sharing one database for concurrent duplicates.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const { Endpoint } = require('wechatpay-notify')
const { MAX_BODY_BYTES, NOTIFY_PATH, createApp, openStore, recordOf } = require('../server.js')
const {
  A,
  B,
  KEYS,
  scratchDir,
  cleanup,
  cleanEnv,
  writeProfiles,
  v2Payment,
  v2Refund,
  v3Payment,
  v3Refund,
  transactionIdOf,
  v3TransactionIdOf,
  v2PaymentOf,
  rows,
  request,
  postV2,
  postV3,
  V2_SUCCESS,
  V3_SUCCESS,
  v2Fail,
  v3Fail,
} = require('./support.js')

const SERVER = path.join(__dirname, '..', 'server.js')
let profiles

test.before(() => {
  profiles = writeProfiles(scratchDir('profiles'))
})
test.after(cleanup)

/** The app on 127.0.0.1 (a free port) with a fresh database (or `store`). */
async function start({ store = openStore(path.join(scratchDir('db'), 'payments.sqlite3')), failFirst = 0 } = {}) {
  const logs = []
  const app = createApp({ endpoint: Endpoint.fromProfilesFile(profiles), store, failFirst, log: (line) => logs.push(line) })
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  return {
    port: server.address().port,
    store,
    logs,
    /** Awaits a request that must be refused: exactly `want.reply`, and the log names the code. */
    async refused(pending, want) {
      assert.deepEqual(await pending, want.reply)
      if (want.code !== 'internal') assert.match(logs.at(-1), new RegExp(`^rejected .*: ${want.code}: `))
    },
    async close() {
      await new Promise((resolve) => server.close(resolve))
      store.close()
    },
  }
}

/** Runs `fn(app)` against a fresh app, closing it afterwards. */
async function withApp(fn, options) {
  const app = await start(options)
  try {
    await fn(app)
  } finally {
    await app.close()
  }
}

const order = (m, no, amount, status = 'pending', tx = null) => ({ merchant: m.label, out_trade_no: no, amount_fen: amount, status, transaction_id: tx })
const paid = (m, no, amount, tx) => order(m, no, amount, 'paid', tx)
const row = (m, key, version, no, fee, outcome = 'paid', result = 'SUCCESS') => ({
  merchant: m.label,
  dedupe_key: key,
  version,
  out_trade_no: no,
  total_fee: fee,
  result,
  outcome,
})
const discrepancy = (m, key, no, fee, orderAmount, reason) => ({
  merchant: m.label,
  dedupe_key: key,
  out_trade_no: no,
  total_fee: fee,
  order_amount_fen: orderAmount,
  reason,
})

test('payments of both merchants in both versions pay once under retries', () =>
  withApp(async ({ port, store }) => {
    // The same order number at both merchants: orders are keyed by merchant and number.
    store.createOrder(A.label, 'o-1', 101)
    store.createOrder(A.label, 'o-2', 202)
    store.createOrder(B.label, 'o-1', 303)
    store.createOrder(B.label, 'o-3', 404)
    const a2 = v2Payment(A, 'o-1', 101)
    const a3 = v3Payment(A, 'o-2', 202)
    const b2 = v2Payment(B, 'o-1', 303)
    const b3 = v3Payment(B, 'o-3', 404)
    // WeChat Pay retries each: the first delivery pays, the others change nothing.
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await postV2(port, a2), V2_SUCCESS)
      assert.deepEqual(await postV3(port, a3), V3_SUCCESS)
      assert.deepEqual(await postV2(port, b2), V2_SUCCESS)
      assert.deepEqual(await postV3(port, b3), V3_SUCCESS)
    }
    const [ta2, ta3, tb2, tb3] = [transactionIdOf(a2), v3TransactionIdOf(A, a3), transactionIdOf(b2), v3TransactionIdOf(B, b3)]
    assert.deepEqual(rows(store, 'payments'), [
      row(A, ta2, 'v2', 'o-1', 101),
      row(A, ta3, 'v3', 'o-2', 202),
      row(B, tb2, 'v2', 'o-1', 303),
      row(B, tb3, 'v3', 'o-3', 404),
    ])
    assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 101, ta2))
    assert.deepEqual(store.order(A.label, 'o-2'), paid(A, 'o-2', 202, ta3))
    assert.deepEqual(store.order(B.label, 'o-1'), paid(B, 'o-1', 303, tb2))
    assert.deepEqual(store.order(B.label, 'o-3'), paid(B, 'o-3', 404, tb3))
    assert.deepEqual(rows(store, 'discrepancies'), [])
  }))

test('the v2 and v3 deliveries of one payment are recorded once', () =>
  withApp(async ({ port, store }) => {
    store.createOrder(A.label, 'o-5', 500)
    store.createOrder(B.label, 'o-6', 600)
    // A merchant migrating to APIv3 receives both: the dedupe key (transaction_id) is the same.
    // (simulate makes a new transaction_id each time: the v2 twin is signed with the binding.)
    const a3 = v3Payment(A, 'o-5', 500)
    const txA = v3TransactionIdOf(A, a3)
    assert.deepEqual(await postV3(port, a3), V3_SUCCESS)
    assert.deepEqual(await postV2(port, v2PaymentOf(A, txA, 'o-5', 500)), V2_SUCCESS)
    assert.deepEqual(await postV3(port, a3), V3_SUCCESS)
    // And the other way round.
    const b3 = v3Payment(B, 'o-6', 600)
    const txB = v3TransactionIdOf(B, b3)
    assert.deepEqual(await postV2(port, v2PaymentOf(B, txB, 'o-6', 600)), V2_SUCCESS)
    assert.deepEqual(await postV3(port, b3), V3_SUCCESS)
    assert.deepEqual(rows(store, 'payments'), [row(A, txA, 'v3', 'o-5', 500), row(B, txB, 'v2', 'o-6', 600)])
    assert.deepEqual(store.order(A.label, 'o-5'), paid(A, 'o-5', 500, txA))
    assert.deepEqual(store.order(B.label, 'o-6'), paid(B, 'o-6', 600, txB))
    assert.deepEqual(rows(store, 'discrepancies'), [])
  }))

test('an amount mismatch, an unknown order and a second payment are acknowledged but only recorded for review', () =>
  withApp(async ({ port, store }) => {
    store.createOrder(A.label, 'o-1', 100)
    store.createOrder(B.label, 'o-2', 100)
    store.createOrder(B.label, 'o-9', 900)
    // Genuine and signed, but 1 fen (v2 total_fee) and 99 fen (v3 amount.total) against 100.
    const [a, b] = [v2Payment(A, 'o-1', 1), v3Payment(B, 'o-2', 99)]
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await postV2(port, a), V2_SUCCESS)
      assert.deepEqual(await postV3(port, b), V3_SUCCESS)
    }
    // An order that exists only at the other merchant.
    const unknown = v2Payment(A, 'o-9', 900)
    assert.deepEqual(await postV2(port, unknown), V2_SUCCESS)
    // Paid, then paid again by another transaction: a person refunds the second; not fulfilled twice.
    store.createOrder(A.label, 'o-3', 1)
    const [first, second] = [v2Payment(A, 'o-3', 1), v3Payment(A, 'o-3', 1)]
    assert.deepEqual(await postV2(port, first), V2_SUCCESS)
    assert.deepEqual(await postV3(port, second), V3_SUCCESS)
    const [ta, tb, tu, t2] = [transactionIdOf(a), v3TransactionIdOf(B, b), transactionIdOf(unknown), v3TransactionIdOf(A, second)]
    assert.deepEqual(rows(store, 'discrepancies'), [
      discrepancy(A, ta, 'o-1', 1, 100, 'amount_mismatch'),
      discrepancy(B, tb, 'o-2', 99, 100, 'amount_mismatch'),
      discrepancy(A, tu, 'o-9', 900, null, 'unknown_order'),
      discrepancy(A, t2, 'o-3', 1, 1, 'already_paid'),
    ])
    assert.deepEqual(store.order(A.label, 'o-1'), order(A, 'o-1', 100))
    assert.deepEqual(store.order(B.label, 'o-2'), order(B, 'o-2', 100))
    assert.deepEqual(store.order(B.label, 'o-9'), order(B, 'o-9', 900))
    assert.deepEqual(store.order(A.label, 'o-3'), paid(A, 'o-3', 1, transactionIdOf(first)))
  }))

test('cross-merchant forgeries are refused with the endpoint reply and record nothing', () =>
  withApp(async ({ port, store, refused }) => {
    store.createOrder(A.label, 'o-1', 100)
    store.createOrder(B.label, 'o-1', 100)
    // v2: a body naming A (its mch_id routes it to A's verifier) but signed with B's key (with A's
    // algorithm, so only the key differs). The endpoint's v2 refusal: 200 with the XML FAIL.
    await refused(postV2(port, v2Payment(A, 'o-1', 100, [], { v2Key: B.v2Key })), v2Fail(200, 'signature_mismatch'))
    // And naming B, signed with A's key.
    await refused(postV2(port, v2Payment(B, 'o-1', 100, [], { v2Key: A.v2Key })), v2Fail(200, 'signature_mismatch'))
    // A tampered amount.
    const genuine = v2Payment(A, 'o-1', 100)
    const tampered = genuine.replace('<total_fee><![CDATA[100]]>', '<total_fee><![CDATA[1]]>')
    assert.notEqual(tampered, genuine)
    await refused(postV2(port, tampered), v2Fail(200, 'signature_mismatch'))
    // v3: A's key id in Wechatpay-Serial (routing to A) but signed with B's private key.
    await refused(postV3(port, v3Payment(A, 'o-1', 100, [], { privateKey: B.privateKey })), v3Fail(401, 'signature_mismatch'))
    // Genuinely signed for B (B's key and id), but the resource encrypted under A's APIv3 key.
    await refused(postV3(port, v3Payment(B, 'o-1', 100, [], { v3Key: A.v3Key })), v3Fail(400, 'decrypt_failed'))
    // Genuine for A, but the resource names B's merchant id.
    await refused(postV3(port, v3Payment(A, 'o-1', 100, ['--mch-id', B.mchId])), v3Fail(401, 'merchant_mismatch'))

    assert.deepEqual(rows(store, 'payments'), [])
    assert.deepEqual(store.order(A.label, 'o-1'), order(A, 'o-1', 100))
    assert.deepEqual(store.order(B.label, 'o-1'), order(B, 'o-1', 100))
    // The genuine one still pays.
    assert.deepEqual(await postV2(port, genuine), V2_SUCCESS)
    assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 100, transactionIdOf(genuine)))
  }))

test('v3 stale timestamps, probes, unknown keys, missing or repeated headers and re-serialised bodies are refused', () =>
  withApp(async ({ port, store, refused }) => {
    store.createOrder(A.label, 'o-1', 100)
    const genuine = v3Payment(A, 'o-1', 100)
    // Correctly signed, but ten minutes old: outside the 300 s window.
    await refused(postV3(port, v3Payment(A, 'o-1', 100, ['--stale-timestamp'])), v3Fail(401, 'timestamp_out_of_window'))
    // WeChat Pay's probe traffic.
    await refused(postV3(port, v3Payment(A, 'o-1', 100, ['--probe'])), v3Fail(401, 'signature_probe'))
    // A key id no merchant trusts.
    const unknown = { ...A, keyId: 'PUB_KEY_ID_0199999999999999999999999999' }
    await refused(postV3(port, v3Payment(unknown, 'o-1', 100)), v3Fail(401, 'unknown_serial'))
    // A header missing; one sent twice (every raw header reaches the endpoint: refused, never read
    // first- or last-wins).
    const missing = genuine.headers.filter(([k]) => k !== 'Wechatpay-Timestamp')
    await refused(postV3(port, { headers: missing, body: genuine.body }), v3Fail(401, 'missing_header'))
    const twice = [...genuine.headers, ['Wechatpay-Serial', B.keyId]]
    await refused(postV3(port, { headers: twice, body: genuine.body }), v3Fail(400, 'invalid_argument'))
    // The body re-serialised (whitespace changed) after signing.
    await refused(postV3(port, { headers: genuine.headers, body: genuine.body.replace(',', ', ') }), v3Fail(401, 'signature_mismatch'))

    assert.deepEqual(rows(store, 'payments'), [])
    assert.deepEqual(await postV3(port, genuine), V3_SUCCESS)
    assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 100, v3TransactionIdOf(A, genuine)))
  }))

test('refunds are recorded once per state and never acted upon', () =>
  withApp(async ({ port, store, refused }) => {
    store.createOrder(A.label, 'o-1', 100)
    const pay = v2Payment(A, 'o-1', 100)
    assert.deepEqual(await postV2(port, pay), V2_SUCCESS)
    // SUCCESS (v2 and v3) and ABNORMAL (v2 CHANGE, v3 REFUND.ABNORMAL), each delivered twice.
    const deliveries = [
      [postV2, v2Refund(A, 'o-1', 100), V2_SUCCESS],
      [postV3, v3Refund(B, 'o-2', 200), V3_SUCCESS],
      [postV2, v2Refund(B, 'o-3', 7, ['--result', 'FAIL']), V2_SUCCESS],
      [postV3, v3Refund(A, 'o-4', 5, ['--result', 'FAIL']), V3_SUCCESS],
    ]
    for (let i = 0; i < 2; i++) {
      for (const [post, request, reply] of deliveries) assert.deepEqual(await post(port, request), reply)
    }
    const refunds = rows(store, 'refunds')
    assert.deepEqual(
      refunds.map((r) => [r.merchant, r.version, r.out_trade_no, r.refund_fee, r.refund_status, r.dedupe_key.replace(/^[0-9]+:/, '')]),
      [
        [A.label, 'v2', 'o-1', 100, 'SUCCESS', 'SUCCESS'],
        [B.label, 'v3', 'o-2', 200, 'SUCCESS', 'SUCCESS'],
        [B.label, 'v2', 'o-3', 7, 'CHANGE', 'ABNORMAL'],
        [A.label, 'v3', 'o-4', 5, 'ABNORMAL', 'ABNORMAL'],
      ],
    )
    // Each refund's state, in APIv3's words, under its refund_id.
    assert.deepEqual(
      rows(store, 'refund_states'),
      refunds.map((r) => ({ merchant: r.merchant, refund_id: r.dedupe_key.split(':')[0], status: r.dedupe_key.split(':')[1] })),
    )
    // Orders and payments untouched: a refund is a hint to confirm with the refund query API.
    assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 100, transactionIdOf(pay)))
    assert.equal(rows(store, 'payments').length, 1)
    // A refund naming A but encrypted with B's key is refused.
    await refused(postV2(port, v2Refund(A, 'o-1', 100, [], { v2Key: B.v2Key })), v2Fail(200, 'decrypt_failed'))
    assert.equal(rows(store, 'refunds').length, 4)
  }))

// Several states of one refund, each a notification from `simulate … --refund-id ID
// --refund-status STATUS` acknowledged over HTTP: whether it was recorded (a new refunds row) and
// the refund's state afterwards.
test("a refund's state moves forward: ABNORMAL then SUCCESS ends SUCCESS, never back", () =>
  withApp(async ({ port, store }) => {
    const V2_STATUS = { ABNORMAL: 'CHANGE', CLOSED: 'REFUNDCLOSE' }
    const refund = (m, refundId, state, version = 'v3') => {
      const more = ['--refund-id', refundId, '--refund-status', version === 'v2' ? V2_STATUS[state] ?? state : state]
      return version === 'v2'
        ? { m, refundId, post: postV2, request: v2Refund(m, 'o-1', 1, more), reply: V2_SUCCESS }
        : { m, refundId, post: postV3, request: v3Refund(m, 'o-1', 1, more), reply: V3_SUCCESS }
    }
    const steps = [
      [refund(A, 'R1', 'ABNORMAL', 'v2'), { recorded: true, status: 'ABNORMAL' }],
      [refund(A, 'R1', 'ABNORMAL'), { recorded: false, status: 'ABNORMAL' }], // the v3 delivery of that state
      [refund(A, 'R1', 'SUCCESS'), { recorded: true, status: 'SUCCESS' }],
      [refund(A, 'R1', 'ABNORMAL', 'v2'), { recorded: false, status: 'SUCCESS' }], // a late retry
      // Out of order: SUCCESS, then a delayed ABNORMAL: recorded, but the state stays SUCCESS.
      [refund(A, 'R2', 'SUCCESS'), { recorded: true, status: 'SUCCESS' }],
      [refund(A, 'R2', 'ABNORMAL'), { recorded: true, status: 'SUCCESS' }],
      // ABNORMAL then CLOSED; a SUCCESS after CLOSED changes nothing; the same id at B is B's.
      [refund(B, 'R1', 'ABNORMAL'), { recorded: true, status: 'ABNORMAL' }],
      [refund(B, 'R1', 'CLOSED', 'v2'), { recorded: true, status: 'CLOSED' }],
      [refund(B, 'R1', 'SUCCESS'), { recorded: true, status: 'CLOSED' }],
    ]
    for (const [{ m, refundId, post, request, reply }, want] of steps) {
      const before = rows(store, 'refunds').length
      assert.deepEqual(await post(port, request), reply, `${m.label} ${refundId}`) // acknowledged: no retries
      const { status } = rows(store, 'refund_states').find((r) => r.merchant === m.label && r.refund_id === refundId)
      assert.deepEqual({ recorded: rows(store, 'refunds').length === before + 1, status }, want, `${m.label} ${refundId}`)
    }
    assert.deepEqual(rows(store, 'refund_states'), [
      { merchant: 'shop-a', refund_id: 'R1', status: 'SUCCESS' },
      { merchant: 'shop-a', refund_id: 'R2', status: 'SUCCESS' },
      { merchant: 'shop-b', refund_id: 'R1', status: 'CLOSED' },
    ])
    assert.deepEqual(
      rows(store, 'refunds').map((r) => [r.merchant, r.version, r.dedupe_key, r.refund_status]),
      [
        ['shop-a', 'v2', 'R1:ABNORMAL', 'CHANGE'],
        ['shop-a', 'v3', 'R1:SUCCESS', 'SUCCESS'],
        ['shop-a', 'v3', 'R2:SUCCESS', 'SUCCESS'],
        ['shop-a', 'v3', 'R2:ABNORMAL', 'ABNORMAL'],
        ['shop-b', 'v3', 'R1:ABNORMAL', 'ABNORMAL'],
        ['shop-b', 'v2', 'R1:CLOSED', 'REFUNDCLOSE'],
        ['shop-b', 'v3', 'R1:SUCCESS', 'SUCCESS'],
      ],
    )
    assert.deepEqual(rows(store, 'payments'), [])
  }))

// An amount in another form than an integer cannot be simulated (simulate writes integers): the
// shared vector's APIv3 payment with amount.total "100" (a string), verified at its own time, goes
// through recordOf and the store as the handler sends it.
test('an amount sent in another form than an integer pays nothing: recorded for review', () => {
  const vectors = JSON.parse(fs.readFileSync(path.join(KEYS, '..', 'v3_notify.json'), 'utf8'))
  const group = vectors.testGroups[0]
  const tc = group.tests.find((t) => t.result === 'valid' && t.expected.typed.transaction?.amount_total?.error === 'missing_field')
  const endpoint = new Endpoint({ profiles: [{ label: A.label, v3: { apiV3Key: group.config.apiV3Key, platformKeys: group.config.platformKeys } }] })
  const record = recordOf(endpoint.handle(tc.headers, tc.body, { now: tc.now }))
  assert.equal(record.totalFee, null)
  const store = openStore(path.join(scratchDir('odd-amount'), 'db.sqlite3'))
  try {
    store.createOrder(A.label, record.outTradeNo, 100)
    assert.equal(store.recordPayment(record), 'discrepancy')
    assert.deepEqual(rows(store, 'discrepancies'), [discrepancy(A, record.dedupeKey, record.outTradeNo, null, 100, 'amount_mismatch')])
    assert.equal(store.order(A.label, record.outTradeNo).status, 'pending')
  } finally {
    store.close()
  }
})

test('failed payments are acknowledged and recorded as failed; a later success still pays', () =>
  withApp(async ({ port, store }) => {
    store.createOrder(A.label, 'o-1', 888)
    store.createOrder(B.label, 'o-2', 888)
    // result_code=FAIL (v2) and trade_state=PAYERROR (v3) are genuine notices of failed payments.
    const a = v2Payment(A, 'o-1', 888, ['--result', 'FAIL'])
    const b = v3Payment(B, 'o-2', 888, ['--result', 'FAIL'])
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await postV2(port, a), V2_SUCCESS)
      assert.deepEqual(await postV3(port, b), V3_SUCCESS)
    }
    // Keyed transaction_id:STATE, so that a later success of the same transaction is not swallowed.
    const [ta, tb] = [transactionIdOf(a), v3TransactionIdOf(B, b)]
    assert.deepEqual(
      rows(store, 'payments').map((p) => [p.merchant, p.dedupe_key, p.result, p.outcome]),
      [
        [A.label, `${ta}:FAIL`, 'FAIL', 'failed'],
        [B.label, `${tb}:PAYERROR`, 'PAYERROR', 'failed'],
      ],
    )
    assert.deepEqual(store.order(A.label, 'o-1'), order(A, 'o-1', 888))
    assert.deepEqual(store.order(B.label, 'o-2'), order(B, 'o-2', 888))
    // The same transaction succeeding later (simulate makes a new transaction_id each time: signed
    // with the binding) is recorded and pays the order.
    assert.deepEqual(await postV2(port, v2PaymentOf(B, tb, 'o-2', 888)), V2_SUCCESS)
    assert.deepEqual(store.order(B.label, 'o-2'), paid(B, 'o-2', 888, tb))
    assert.equal(rows(store, 'payments').length, 3)
    assert.deepEqual(rows(store, 'discrepancies'), [])
  }))

test('oversized, undecidable and unknown-merchant requests get the endpoint refusal', () =>
  withApp(async ({ port, store, refused }) => {
    store.createOrder(A.label, 'o-1', 1)
    // A validly signed v2 notification padded (ignorable whitespace) past the limit: the size limit
    // comes first; a body no merchant could be chosen for gets the v2 FAIL with 400.
    const body = v2Payment(A, 'o-1', 1)
    const padded = body.replace('<xml>', `<xml>${' '.repeat(MAX_BODY_BYTES)}`)
    await refused(postV2(port, padded), v2Fail(400, 'body_too_large'))
    await refused(postV2(port, padded, { chunked: true }), v2Fail(400, 'body_too_large'))
    await refused(postV2(port, Buffer.alloc(4 << 20, 0x20)), v2Fail(400, 'body_too_large'))
    // An APIv3 request over the limit: the APIv3 refusal.
    const big = v3Payment(A, 'o-1', 1)
    await refused(postV3(port, { headers: big.headers, body: big.body + ' '.repeat(MAX_BODY_BYTES) }), v3Fail(400, 'body_too_large'))
    // Not XML and no Wechatpay-Signature; an empty body; an XXE attempt; a merchant nobody serves.
    await refused(postV2(port, '{"id":1}', { contentType: 'application/json' }), v2Fail(400, 'malformed_xml'))
    await refused(postV2(port, ''), v2Fail(400, 'malformed_xml'))
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
      '<xml><mch_id>10000100</mch_id><attach>&x;</attach></xml>'
    await refused(postV2(port, xxe), v2Fail(400, 'forbidden_doctype'))
    await refused(postV2(port, v2Payment(A, 'o-1', 1, ['--mch-id', '19999999'])), v2Fail(200, 'merchant_mismatch'))
    assert.deepEqual(rows(store, 'payments'), [])

    // Exactly at the limit is not "too large" (and chunked bodies are read like any other).
    const atLimit = body.replace('<xml>', `<xml>${' '.repeat(MAX_BODY_BYTES - Buffer.byteLength(body))}`)
    assert.equal(Buffer.byteLength(atLimit), MAX_BODY_BYTES)
    assert.deepEqual(await postV2(port, atLimit, { chunked: true }), V2_SUCCESS)
    assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 1, transactionIdOf(body)))
  }))

test('one route only: 404 elsewhere, 405 for GET', () =>
  withApp(async ({ port, store }) => {
    const body = v2Payment(A, 'o-1', 1)
    assert.equal((await request(port, body, { path: `${NOTIFY_PATH}/pay` })).status, 404)
    assert.equal((await request(port, '', { method: 'GET' })).status, 405)
    assert.deepEqual(rows(store, 'payments'), [])
  }))

test('our own failures (the test-only switch, a failed database write) are 500 in the request version; the retry is recorded', async () => {
  await withApp(
    async ({ port, store, logs, refused }) => {
      store.createOrder(A.label, 'o-1', 1)
      const v2 = v2Payment(A, 'o-1', 1)
      // Not acknowledged, in each version's form: WeChat Pay retries.
      await refused(postV2(port, v2), v2Fail(500, 'internal'))
      await refused(postV3(port, v3Payment(A, 'o-1', 1)), v3Fail(500, 'internal'))
      assert.deepEqual(rows(store, 'payments'), [])
      assert.deepEqual(await postV2(port, v2), V2_SUCCESS)
      assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 1, transactionIdOf(v2)))
      assert.equal(logs.filter((l) => l.startsWith('TEST ONLY')).length, 2)
    },
    { failFirst: 2 },
  )
  const store = openStore(path.join(scratchDir('flaky'), 'payments.sqlite3'))
  const recordPayment = store.recordPayment
  let failures = 2
  store.recordPayment = (p) => {
    if (failures-- > 0) throw new Error('database is locked')
    return recordPayment(p)
  }
  await withApp(
    async ({ port, refused, logs }) => {
      store.createOrder(B.label, 'o-1', 5)
      store.createOrder(B.label, 'o-2', 5)
      const [v2, v3] = [v2Payment(B, 'o-1', 5), v3Payment(B, 'o-2', 5)]
      await refused(postV2(port, v2), v2Fail(500, 'internal'))
      await refused(postV3(port, v3), v3Fail(500, 'internal'))
      assert.match(logs.at(-1), /^could not record the verified shop-b v3 notification: database is locked$/)
      assert.deepEqual(rows(store, 'payments'), [])
      assert.deepEqual(await postV3(port, v3), V3_SUCCESS)
      assert.deepEqual(await postV2(port, v2), V2_SUCCESS)
      assert.deepEqual(
        rows(store, 'payments').map((p) => [p.version, p.out_trade_no, p.outcome]),
        [
          ['v3', 'o-2', 'paid'],
          ['v2', 'o-1', 'paid'],
        ],
      )
    },
    { store },
  )
})

/** `node server.js 127.0.0.1:0` in a child process; resolves with its port once it listens. */
function spawnServer(env) {
  const child = spawn(process.execPath, [SERVER, '127.0.0.1:0'], { env: cleanEnv(env), stdio: ['ignore', 'ignore', 'pipe'] })
  const exited = new Promise((resolve) => child.on('exit', resolve))
  const port = new Promise((resolve, reject) => {
    let log = ''
    child.stderr.on('data', (chunk) => {
      log += chunk
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(log)
      if (m) resolve(Number(m[1]))
    })
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${log}`)))
  })
  return { child, port, exited }
}

function run(args, env) {
  const child = spawn(process.execPath, [SERVER, ...args], { env: cleanEnv(env), stdio: 'ignore' })
  return new Promise((resolve) => child.on('exit', resolve))
}

test('concurrent duplicates, v2 and v3, to two server processes sharing one database pay each order once', async () => {
  const dbPath = path.join(scratchDir('concurrent'), 'payments.sqlite3')
  const env = { WECHATPAY_PROFILES: profiles, WECHATPAY_DB: dbPath }
  // The add-order command, as the README uses it.
  assert.equal(await run(['add-order', A.label, 'o-1', '1'], env), 0)
  assert.equal(await run(['add-order', B.label, 'o-2', '1'], env), 0)
  // 16 deliveries of one payment of A (half v2, half v3, one transaction_id), and 8 different
  // genuine transactions for one order of B, all at once.
  const v3 = v3Payment(A, 'o-1', 1)
  const tx = v3TransactionIdOf(A, v3)
  const v2 = v2PaymentOf(A, tx, 'o-1', 1)
  const others = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? [postV2, v2Payment(B, 'o-2', 1), V2_SUCCESS] : [postV3, v3Payment(B, 'o-2', 1), V3_SUCCESS]))
  const servers = [spawnServer(env), spawnServer(env)]
  try {
    const ports = await Promise.all(servers.map((s) => s.port))
    const jobs = []
    for (let i = 0; i < 16; i++) jobs.push(i % 4 < 2 ? [postV2(ports[i % 2], v2), V2_SUCCESS] : [postV3(ports[i % 2], v3), V3_SUCCESS])
    others.forEach(([post, req, reply], i) => jobs.push([post(ports[i % 2], req), reply]))
    const replies = await Promise.all(jobs.map(([p]) => p))
    replies.forEach((res, i) => assert.deepEqual(res, jobs[i][1]))
  } finally {
    for (const s of servers) s.child.kill('SIGTERM')
    await Promise.all(servers.map((s) => s.exited))
  }
  const store = openStore(dbPath)
  try {
    assert.equal(rows(store, 'payments').length, 1 + 8)
    assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 1, tx))
    const other = store.order(B.label, 'o-2')
    assert.equal(other.status, 'paid')
    const d = rows(store, 'discrepancies')
    assert.equal(d.length, 7)
    for (const r of d) {
      assert.equal(r.reason, 'already_paid')
      assert.equal(r.merchant, B.label)
      assert.notEqual(r.dedupe_key, other.transaction_id)
    }
  } finally {
    store.close()
  }
})

test('every outcome of recordPayment is keyed by merchant, across reopening the file', () => {
  const file = path.join(scratchDir('outcomes'), 'db.sqlite3')
  let store = openStore(file)
  store.createOrder('shop-a', 'o-1', 5)
  store.createOrder('shop-b', 'o-1', 7)
  assert.throws(() => store.createOrder('shop-a', 'o-1', 5), /UNIQUE/)
  const pay = (merchant, dedupeKey, totalFee, { success = true, version = 'v2' } = {}) => ({
    type: 'payment',
    merchant,
    dedupeKey,
    version,
    outTradeNo: 'o-1',
    totalFee,
    result: success ? 'SUCCESS' : 'FAIL',
    success,
  })
  assert.equal(store.recordPayment(pay('shop-a', 't1', 7)), 'discrepancy') // shop-b's amount
  assert.equal(store.recordPayment(pay('shop-b', 't1', 7)), 'paid') // one key, another merchant
  assert.equal(store.recordPayment(pay('shop-b', 't1', 7, { version: 'v3' })), 'duplicate')
  assert.equal(store.recordPayment(pay('shop-a', 't2', 5, { success: false })), 'failed')
  assert.equal(store.recordPayment(pay('shop-a', 't3', 5)), 'paid')
  assert.equal(store.recordPayment(pay('shop-a', 't4', 5)), 'discrepancy')
  assert.equal(store.recordPayment(pay('shop-c', 't5', 5)), 'discrepancy')
  assert.equal(store.recordPayment(pay('shop-a', 't6', null)), 'discrepancy')
  assert.equal(store.recordPayment(pay('shop-a', 't7', 2n ** 60n)), 'discrepancy') // past MAX_SAFE_INTEGER
  store.close()
  store = openStore(file)
  try {
    assert.equal(store.recordPayment(pay('shop-a', 't3', 5)), 'duplicate')
    assert.deepEqual(
      rows(store, 'discrepancies').map((d) => [d.merchant, d.dedupe_key, d.order_amount_fen, d.reason]),
      [
        ['shop-a', 't1', 5, 'amount_mismatch'],
        ['shop-a', 't4', 5, 'already_paid'],
        ['shop-c', 't5', null, 'unknown_order'],
        ['shop-a', 't6', 5, 'amount_mismatch'],
        ['shop-a', 't7', 5, 'amount_mismatch'],
      ],
    )
    assert.deepEqual(store.order('shop-a', 'o-1'), paid({ label: 'shop-a' }, 'o-1', 5, 't3'))
    assert.deepEqual(store.order('shop-b', 'o-1'), paid({ label: 'shop-b' }, 'o-1', 7, 't1'))
    assert.equal(rows(store, 'payments').length, 8)
  } finally {
    store.close()
  }
})

test('add-order refuses what is not a merchant, an order number and a positive whole number of fen', async () => {
  const db = path.join(scratchDir('add-order'), 'cli.sqlite3')
  assert.equal(await run(['add-order', 'shop-a', 'ORDER-1', '101'], { WECHATPAY_DB: db }), 0)
  assert.equal(await run(['add-order', 'shop-a', 'ORDER-1', '101'], { WECHATPAY_DB: db }), 1) // already there
  for (const args of [
    ['shop-a', 'x', '0'],
    ['shop-a', 'x', '1.5'],
    ['shop-a', 'x', '-3'],
    ['shop-a', 'x', 'ten'],
    ['x', '5'],
  ]) {
    assert.equal(await run(['add-order', ...args], { WECHATPAY_DB: db }), 2, args.join(' '))
  }
  const store = openStore(db)
  try {
    assert.deepEqual(store.order('shop-a', 'ORDER-1'), order({ label: 'shop-a' }, 'ORDER-1', 101))
  } finally {
    store.close()
  }
})

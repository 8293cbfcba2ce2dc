'use strict'
// The Express example over real HTTP on loopback: one route for two merchants, v2 and APIv3,
// configured by a profiles file, with notifications signed here as WeChat Pay signs them
// (test/support.js); two `node server.js` processes sharing one database for concurrent duplicates.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const { ConfigError, MAX_BODY_BYTES, NOTIFY_PATH, createApp, loadEndpoint, openStore } = require('../server.js')
const {
  A,
  B,
  scratchDir,
  cleanup,
  cleanEnv,
  writeProfiles,
  v2PaymentSigned,
  v2Payment,
  v2Refund,
  transaction,
  refund,
  v3Body,
  v3Headers,
  v3Event,
  v3Payment,
  unixNow,
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
  const app = createApp({ endpoint: loadEndpoint(profiles), store, failFirst, log: (line) => logs.push(line) })
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const port = server.address().port
  return {
    port,
    store,
    logs,
    /**
     * Awaits a request that must be refused: the reply is exactly `want.reply` (one constant body
     * per version) and the log names the code (for our own failures, `internal`, the log says why).
     */
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

const order = (m, no, amount, status = 'pending', tx = null) => ({
  merchant: m.label,
  out_trade_no: no,
  amount_fen: amount,
  status,
  transaction_id: tx,
})
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
    const a2 = v2Payment(A, '4200000000000000000000000101', 'o-1', 101)
    const a3 = v3Payment(A, '4200000000000000000000000102', 'o-2', 202)
    const b2 = v2Payment(B, '4200000000000000000000000201', 'o-1', 303)
    const b3 = v3Payment(B, '4200000000000000000000000202', 'o-3', 404)
    // WeChat Pay retries each: the first delivery pays, the others change nothing.
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await postV2(port, a2), V2_SUCCESS)
      assert.deepEqual(await postV3(port, a3), V3_SUCCESS)
      assert.deepEqual(await postV2(port, b2), V2_SUCCESS)
      assert.deepEqual(await postV3(port, b3), V3_SUCCESS)
    }
    assert.deepEqual(store.payments(), [
      row(A, '4200000000000000000000000101', 'v2', 'o-1', 101),
      row(A, '4200000000000000000000000102', 'v3', 'o-2', 202),
      row(B, '4200000000000000000000000201', 'v2', 'o-1', 303),
      row(B, '4200000000000000000000000202', 'v3', 'o-3', 404),
    ])
    assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 101, '4200000000000000000000000101'))
    assert.deepEqual(store.order(A.label, 'o-2'), paid(A, 'o-2', 202, '4200000000000000000000000102'))
    assert.deepEqual(store.order(B.label, 'o-1'), paid(B, 'o-1', 303, '4200000000000000000000000201'))
    assert.deepEqual(store.order(B.label, 'o-3'), paid(B, 'o-3', 404, '4200000000000000000000000202'))
    assert.deepEqual(store.discrepancies(), [])
  }))

test('the v2 and v3 deliveries of one payment are recorded once', () =>
  withApp(async ({ port, store }) => {
    store.createOrder(A.label, 'o-5', 500)
    store.createOrder(B.label, 'o-6', 600)
    // A merchant migrating to APIv3 receives both: the dedupe key (transaction_id) is the same.
    const txA = '4200000000000000000000000501'
    assert.deepEqual(await postV3(port, v3Payment(A, txA, 'o-5', 500)), V3_SUCCESS)
    assert.deepEqual(await postV2(port, v2Payment(A, txA, 'o-5', 500)), V2_SUCCESS)
    assert.deepEqual(await postV3(port, v3Payment(A, txA, 'o-5', 500)), V3_SUCCESS)
    // And the other way round.
    const txB = '4200000000000000000000000601'
    assert.deepEqual(await postV2(port, v2Payment(B, txB, 'o-6', 600)), V2_SUCCESS)
    assert.deepEqual(await postV3(port, v3Payment(B, txB, 'o-6', 600)), V3_SUCCESS)
    assert.deepEqual(store.payments(), [row(A, txA, 'v3', 'o-5', 500), row(B, txB, 'v2', 'o-6', 600)])
    assert.deepEqual(store.order(A.label, 'o-5'), paid(A, 'o-5', 500, txA))
    assert.deepEqual(store.order(B.label, 'o-6'), paid(B, 'o-6', 600, txB))
    assert.deepEqual(store.discrepancies(), [])
  }))

test('an amount mismatch is acknowledged but only recorded for review', () =>
  withApp(async ({ port, store }) => {
    store.createOrder(A.label, 'o-1', 100)
    store.createOrder(B.label, 'o-2', 100)
    // Genuine and signed, but 1 fen (v2 total_fee) and 99 fen (v3 amount.total) against 100.
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await postV2(port, v2Payment(A, '4200000010', 'o-1', 1)), V2_SUCCESS)
      assert.deepEqual(await postV3(port, v3Payment(B, '4200000011', 'o-2', 99)), V3_SUCCESS)
    }
    assert.deepEqual(store.payments(), [
      row(A, '4200000010', 'v2', 'o-1', 1, 'discrepancy'),
      row(B, '4200000011', 'v3', 'o-2', 99, 'discrepancy'),
    ])
    assert.deepEqual(store.discrepancies(), [
      discrepancy(A, '4200000010', 'o-1', 1, 100, 'amount_mismatch'),
      discrepancy(B, '4200000011', 'o-2', 99, 100, 'amount_mismatch'),
    ])
    // Never fulfilled.
    assert.deepEqual(store.order(A.label, 'o-1'), order(A, 'o-1', 100))
    assert.deepEqual(store.order(B.label, 'o-2'), order(B, 'o-2', 100))
  }))

test('an unknown order (one that exists only at the other merchant) is recorded for review', () =>
  withApp(async ({ port, store }) => {
    store.createOrder(B.label, 'o-9', 900)
    assert.deepEqual(await postV2(port, v2Payment(A, '4200000020', 'o-9', 900)), V2_SUCCESS)
    const v3 = v3Payment(A, '4200000021', 'o-9', 900)
    assert.deepEqual(await postV3(port, v3), V3_SUCCESS)
    assert.deepEqual(await postV3(port, v3), V3_SUCCESS)
    assert.deepEqual(store.discrepancies(), [
      discrepancy(A, '4200000020', 'o-9', 900, null, 'unknown_order'),
      discrepancy(A, '4200000021', 'o-9', 900, null, 'unknown_order'),
    ])
    assert.equal(store.order(A.label, 'o-9'), undefined)
    assert.deepEqual(store.order(B.label, 'o-9'), order(B, 'o-9', 900))
  }))

test('a second transaction for a paid order is recorded for review', () =>
  withApp(async ({ port, store }) => {
    store.createOrder(A.label, 'o-1', 1)
    assert.deepEqual(await postV2(port, v2Payment(A, '4200000012', 'o-1', 1)), V2_SUCCESS)
    // Paid twice: the second payment is genuine, but a person refunds it; it is not fulfilled again.
    assert.deepEqual(await postV3(port, v3Payment(A, '4200000013', 'o-1', 1)), V3_SUCCESS)
    assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 1, '4200000012'))
    assert.deepEqual(store.discrepancies(), [discrepancy(A, '4200000013', 'o-1', 1, 1, 'already_paid')])
  }))

test('cross-merchant forgeries are refused with the endpoint reply and record nothing', () =>
  withApp(async ({ port, store, refused }) => {
    store.createOrder(A.label, 'o-1', 100)
    store.createOrder(B.label, 'o-1', 100)
    // v2: a body naming A (its mch_id routes it to A's verifier) but signed with B's key (with A's
    // algorithm, so only the key differs). The endpoint's v2 refusal: 200 with the XML FAIL.
    let forged = v2PaymentSigned(B.v2Key, A.signType, A.mchId, '4200000030', 'o-1', 100)
    await refused(postV2(port, forged), v2Fail(200, 'signature_mismatch'))
    // And naming B, signed with A's key.
    forged = v2PaymentSigned(A.v2Key, B.signType, B.mchId, '4200000031', 'o-1', 100)
    await refused(postV2(port, forged), v2Fail(200, 'signature_mismatch'))
    // A tampered amount.
    const genuine = v2Payment(A, '4200000032', 'o-1', 100)
    const tampered = genuine.replace('<total_fee><![CDATA[100]]>', '<total_fee><![CDATA[1]]>')
    assert.notEqual(tampered, genuine)
    await refused(postV2(port, tampered), v2Fail(200, 'signature_mismatch'))

    // v3: A's key id in Wechatpay-Serial (routing to A) but signed with B's private key.
    let body = v3Body(A.v3Key, 'EV-forged-1', 'TRANSACTION.SUCCESS', transaction(A, '4200000033', 'o-1', 100))
    await refused(postV3(port, { headers: v3Headers(body, B.privateKey, A.keyId, unixNow()), body }), v3Fail(401, 'signature_mismatch'))
    // Genuinely signed for B (B's key and id), but the resource encrypted under A's APIv3 key.
    body = v3Body(A.v3Key, 'EV-forged-2', 'TRANSACTION.SUCCESS', transaction(A, '4200000034', 'o-1', 100))
    await refused(postV3(port, { headers: v3Headers(body, B.privateKey, B.keyId, unixNow()), body }), v3Fail(400, 'decrypt_failed'))

    assert.equal(store.count(), 0)
    assert.deepEqual(store.order(A.label, 'o-1'), order(A, 'o-1', 100))
    assert.deepEqual(store.order(B.label, 'o-1'), order(B, 'o-1', 100))
    // The genuine one still pays.
    assert.deepEqual(await postV2(port, genuine), V2_SUCCESS)
    assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 100, '4200000032'))
  }))

test('v3 stale and future timestamps, probes, unknown keys, missing headers and re-serialised bodies are refused', () =>
  withApp(async ({ port, store, refused }) => {
    store.createOrder(A.label, 'o-1', 100)
    const genuine = v3Payment(A, '4200000040', 'o-1', 100)
    const signedAt = (ts) => ({ headers: v3Headers(genuine.body, A.privateKey, A.keyId, ts), body: genuine.body })
    // Correctly signed, but ten minutes old, or ten minutes ahead: outside the 300 s window.
    await refused(postV3(port, signedAt(unixNow() - 600)), v3Fail(401, 'timestamp_out_of_window'))
    await refused(postV3(port, signedAt(unixNow() + 600)), v3Fail(401, 'timestamp_out_of_window'))
    // WeChat Pay's probe traffic.
    const probe = genuine.headers.map(([k, v]) => [k, k === 'Wechatpay-Signature' ? 'WECHATPAY/SIGNTEST/c2lnbmF0dXJl' : v])
    await refused(postV3(port, { headers: probe, body: genuine.body }), v3Fail(401, 'signature_probe'))
    // A key id no merchant trusts.
    const unknown = v3Headers(genuine.body, A.privateKey, 'PUB_KEY_ID_0199999999999999999999999999', unixNow())
    await refused(postV3(port, { headers: unknown, body: genuine.body }), v3Fail(401, 'unknown_serial'))
    // A header missing; one sent twice.
    const missing = genuine.headers.filter(([k]) => k !== 'Wechatpay-Timestamp')
    await refused(postV3(port, { headers: missing, body: genuine.body }), v3Fail(401, 'missing_header'))
    // (Every raw header reaches the endpoint: a repeated one is refused, never read first- or last-wins.)
    const twice = [...genuine.headers, ['Wechatpay-Serial', B.keyId]]
    await refused(postV3(port, { headers: twice, body: genuine.body }), v3Fail(400, 'invalid_argument'))
    // The body re-serialised (whitespace changed) after signing.
    const reserialised = genuine.body.replace(',', ', ')
    await refused(postV3(port, { headers: genuine.headers, body: reserialised }), v3Fail(401, 'signature_mismatch'))

    assert.equal(store.count(), 0)
    assert.deepEqual(store.order(A.label, 'o-1'), order(A, 'o-1', 100))
    assert.deepEqual(await postV3(port, genuine), V3_SUCCESS)
    assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 100, '4200000040'))
  }))

test('refunds are recorded once and never acted upon', () =>
  withApp(async ({ port, store, refused }) => {
    store.createOrder(A.label, 'o-1', 100)
    store.createOrder(B.label, 'o-2', 200)
    assert.deepEqual(await postV2(port, v2Payment(A, '4200000050', 'o-1', 100)), V2_SUCCESS)
    assert.deepEqual(await postV3(port, v3Payment(B, '4200000051', 'o-2', 200)), V3_SUCCESS)
    const a = v2Refund(A, '50000000000000000000000000001', 'o-1', 100)
    const b = v3Event(B, 'REFUND.SUCCESS', refund(B, '50300000000000000000000000002', 'o-2', 200))
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await postV2(port, a), V2_SUCCESS)
      assert.deepEqual(await postV3(port, b), V3_SUCCESS)
    }
    assert.deepEqual(store.refunds(), [
      {
        merchant: A.label,
        dedupe_key: '50000000000000000000000000001:SUCCESS',
        version: 'v2',
        out_trade_no: 'o-1',
        out_refund_no: 'R-o-1',
        refund_fee: 100,
        refund_status: 'SUCCESS',
      },
      {
        merchant: B.label,
        dedupe_key: '50300000000000000000000000002:SUCCESS',
        version: 'v3',
        out_trade_no: 'o-2',
        out_refund_no: 'R-o-2',
        refund_fee: 200,
        refund_status: 'SUCCESS',
      },
    ])
    assert.deepEqual(store.refundStates(), [
      { merchant: A.label, refund_id: '50000000000000000000000000001', status: 'SUCCESS' },
      { merchant: B.label, refund_id: '50300000000000000000000000002', status: 'SUCCESS' },
    ])
    // Orders and payments untouched: a refund is a hint to confirm with the refund query API.
    assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 100, '4200000050'))
    assert.deepEqual(store.order(B.label, 'o-2'), paid(B, 'o-2', 200, '4200000051'))
    assert.equal(store.count(), 2)
    // A refund naming A but encrypted with B's key is refused.
    const forged = v2Refund(A, '50000000000000000000000000003', 'o-1', 100, { key: B.v2Key })
    await refused(postV2(port, forged), v2Fail(200, 'decrypt_failed'))
    assert.equal(store.refunds().length, 2)
  }))

test("a refund's state moves forward: ABNORMAL then SUCCESS ends SUCCESS, never back", () =>
  withApp(async ({ port, store }) => {
    const id = '50000000000000000000000000011'
    const refundRows = () => store.refunds().map((r) => [r.merchant, r.dedupe_key, r.version, r.refund_status])
    // ABNORMAL (v2 says CHANGE), delivered twice: one record, state ABNORMAL.
    const abnormal = v2Refund(A, id, 'o-1', 100, { status: 'CHANGE' })
    for (let i = 0; i < 2; i++) assert.deepEqual(await postV2(port, abnormal), V2_SUCCESS)
    assert.deepEqual(store.refundStates(), [{ merchant: A.label, refund_id: id, status: 'ABNORMAL' }])
    // The same state delivered by APIv3 shares its key: still one record.
    assert.deepEqual(await postV3(port, v3Event(A, 'REFUND.ABNORMAL', refund(A, id, 'o-1', 100, 'ABNORMAL'))), V3_SUCCESS)
    assert.deepEqual(refundRows(), [[A.label, `${id}:ABNORMAL`, 'v2', 'CHANGE']])
    // Then SUCCESS: a new state, a new record (not swallowed by the ABNORMAL one), and the refund's
    // state is SUCCESS.
    const success = v3Event(A, 'REFUND.SUCCESS', refund(A, id, 'o-1', 100, 'SUCCESS'))
    assert.deepEqual(await postV3(port, success), V3_SUCCESS)
    assert.deepEqual(store.refundStates(), [{ merchant: A.label, refund_id: id, status: 'SUCCESS' }])
    // A late ABNORMAL retry (another delivery of the old state) and the v2 SUCCESS change nothing.
    assert.deepEqual(await postV2(port, abnormal), V2_SUCCESS)
    assert.deepEqual(await postV2(port, v2Refund(A, id, 'o-1', 100)), V2_SUCCESS)
    assert.deepEqual(refundRows(), [
      [A.label, `${id}:ABNORMAL`, 'v2', 'CHANGE'],
      [A.label, `${id}:SUCCESS`, 'v3', 'SUCCESS'],
    ])
    assert.deepEqual(store.refundStates(), [{ merchant: A.label, refund_id: id, status: 'SUCCESS' }])

    // Out of order: SUCCESS first, then a delayed ABNORMAL: recorded, but the state stays SUCCESS.
    const late = '50000000000000000000000000012'
    assert.deepEqual(await postV3(port, v3Event(A, 'REFUND.SUCCESS', refund(A, late, 'o-2', 5))), V3_SUCCESS)
    assert.deepEqual(await postV3(port, v3Event(A, 'REFUND.ABNORMAL', refund(A, late, 'o-2', 5, 'ABNORMAL'))), V3_SUCCESS)
    // ABNORMAL then CLOSED (v2 REFUNDCLOSE), for the other merchant; a SUCCESS after CLOSED
    // changes nothing either.
    const closed = '50000000000000000000000000013'
    assert.deepEqual(await postV3(port, v3Event(B, 'REFUND.ABNORMAL', refund(B, closed, 'o-3', 7, 'ABNORMAL'))), V3_SUCCESS)
    assert.deepEqual(await postV2(port, v2Refund(B, closed, 'o-3', 7, { status: 'REFUNDCLOSE' })), V2_SUCCESS)
    assert.deepEqual(await postV3(port, v3Event(B, 'REFUND.SUCCESS', refund(B, closed, 'o-3', 7))), V3_SUCCESS)
    assert.deepEqual(store.refundStates(), [
      { merchant: A.label, refund_id: id, status: 'SUCCESS' },
      { merchant: A.label, refund_id: late, status: 'SUCCESS' },
      { merchant: B.label, refund_id: closed, status: 'CLOSED' },
    ])
    assert.equal(store.refunds().length, 2 + 2 + 3)
    // Payments and orders untouched.
    assert.equal(store.count(), 0)
  }))

test('an amount sent in another form than an integer pays nothing: recorded for review', () =>
  withApp(async ({ port, store }) => {
    store.createOrder(A.label, 'o-1', 100)
    // Genuinely signed, but amount.total is the string "100": the property is an error, never
    // "absent" and never parsed our own way.
    const odd = v3Event(A, 'TRANSACTION.SUCCESS', transaction(A, '4200000055', 'o-1', '100'))
    assert.deepEqual(await postV3(port, odd), V3_SUCCESS)
    assert.deepEqual(store.order(A.label, 'o-1'), order(A, 'o-1', 100))
    assert.deepEqual(store.payments(), [row(A, '4200000055', 'v3', 'o-1', null, 'discrepancy')])
    assert.deepEqual(store.discrepancies(), [discrepancy(A, '4200000055', 'o-1', null, 100, 'amount_mismatch')])
  }))

test('failed payments are acknowledged and recorded as failed', () =>
  withApp(async ({ port, store }) => {
    store.createOrder(A.label, 'o-1', 888)
    store.createOrder(B.label, 'o-2', 888)
    // result_code=FAIL (v2) and trade_state=PAYERROR (v3) are genuine notices of failed payments.
    const a = v2Payment(A, '4200000060', 'o-1', 888, 'FAIL')
    const b = v3Payment(B, '4200000061', 'o-2', 888, 'PAYERROR')
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await postV2(port, a), V2_SUCCESS)
      assert.deepEqual(await postV3(port, b), V3_SUCCESS)
    }
    // Keyed transaction_id:STATE, so that a later success of the same transaction is not swallowed.
    assert.deepEqual(
      store.payments().map((p) => [p.merchant, p.dedupe_key, p.result, p.outcome]),
      [
        [A.label, '4200000060:FAIL', 'FAIL', 'failed'],
        [B.label, '4200000061:PAYERROR', 'PAYERROR', 'failed'],
      ],
    )
    assert.deepEqual(store.order(A.label, 'o-1'), order(A, 'o-1', 888))
    assert.deepEqual(store.order(B.label, 'o-2'), order(B, 'o-2', 888))
    assert.deepEqual(store.discrepancies(), [])
    // The same transaction succeeding later is recorded and pays the order.
    assert.deepEqual(await postV3(port, v3Payment(B, '4200000061', 'o-2', 888)), V3_SUCCESS)
    assert.deepEqual(store.order(B.label, 'o-2'), paid(B, 'o-2', 888, '4200000061'))
    assert.equal(store.count(), 3)
  }))

test('oversized, undecidable and unknown-merchant requests get the endpoint refusal', () =>
  withApp(async ({ port, store, refused }) => {
    store.createOrder(A.label, 'o-1', 1)
    // A validly signed v2 notification padded (ignorable whitespace) past the limit: the size limit
    // comes first; a body no merchant could be chosen for gets the v2 FAIL with 400.
    const body = v2Payment(A, '4200000080', 'o-1', 1)
    const padded = body.replace('<xml>', `<xml>${' '.repeat(MAX_BODY_BYTES)}`)
    await refused(postV2(port, padded), v2Fail(400, 'body_too_large'))
    await refused(postV2(port, padded, { chunked: true }), v2Fail(400, 'body_too_large'))
    await refused(postV2(port, Buffer.alloc(4 << 20, 0x20)), v2Fail(400, 'body_too_large'))
    // An APIv3 request over the limit: the APIv3 refusal.
    const big = v3Payment(A, '4200000081', 'o-1', 1)
    await refused(postV3(port, { headers: big.headers, body: big.body + ' '.repeat(MAX_BODY_BYTES) }), v3Fail(400, 'body_too_large'))
    // Not XML and no Wechatpay-Signature; an empty body; an XXE attempt; a merchant nobody serves.
    await refused(postV2(port, '{"id":1}', { contentType: 'application/json' }), v2Fail(400, 'malformed_xml'))
    await refused(postV2(port, ''), v2Fail(400, 'malformed_xml'))
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
      '<xml><mch_id>10000100</mch_id><attach>&x;</attach></xml>'
    await refused(postV2(port, xxe), v2Fail(400, 'forbidden_doctype'))
    const other = v2PaymentSigned(A.v2Key, A.signType, '19999999', '4200000082', 'o-1', 1)
    await refused(postV2(port, other), v2Fail(200, 'merchant_mismatch'))
    assert.equal(store.count(), 0)

    // Exactly at the limit is not "too large" (and chunked bodies are read like any other).
    const atLimit = body.replace('<xml>', `<xml>${' '.repeat(MAX_BODY_BYTES - Buffer.byteLength(body))}`)
    assert.equal(Buffer.byteLength(atLimit), MAX_BODY_BYTES)
    assert.deepEqual(await postV2(port, atLimit, { chunked: true }), V2_SUCCESS)
    assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 1, '4200000080'))
  }))

test('one route only: 404 elsewhere, 405 for GET', () =>
  withApp(async ({ port, store }) => {
    const body = v2Payment(A, '4200000090', 'o-1', 1)
    assert.equal((await request(port, body, { path: `${NOTIFY_PATH}/pay` })).status, 404)
    assert.equal((await request(port, '', { method: 'GET' })).status, 405)
    assert.equal(store.count(), 0)
  }))

test('the test-only switch fails the first requests with 500 in each version form', () =>
  withApp(
    async ({ port, store, logs, refused }) => {
      store.createOrder(A.label, 'o-1', 1)
      const v2 = v2Payment(A, '4200000095', 'o-1', 1)
      // Not acknowledged, in each version's form: WeChat Pay retries.
      await refused(postV2(port, v2), v2Fail(500, 'internal'))
      await refused(postV3(port, v3Payment(A, '4200000095', 'o-1', 1)), v3Fail(500, 'internal'))
      assert.equal(store.count(), 0)
      assert.deepEqual(await postV2(port, v2), V2_SUCCESS)
      assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 1, '4200000095'))
      assert.equal(logs.filter((l) => l.startsWith('TEST ONLY')).length, 2)
    },
    { failFirst: 2 },
  ))

test('a failed database write is not acknowledged, and the retry is recorded', async () => {
  const store = openStore(path.join(scratchDir('flaky'), 'payments.sqlite3'))
  const recordPayment = store.recordPayment
  let failures = 2
  store.recordPayment = (p) => {
    if (failures-- > 0) throw new Error('database is locked')
    return recordPayment(p)
  }
  await withApp(
    async ({ port, refused }) => {
      store.createOrder(B.label, 'o-1', 5)
      const v2 = v2Payment(B, '4200000096', 'o-1', 5)
      const v3 = v3Payment(B, '4200000096', 'o-1', 5)
      await refused(postV2(port, v2), v2Fail(500, 'internal'))
      await refused(postV3(port, v3), v3Fail(500, 'internal'))
      assert.equal(store.count(), 0)
      assert.deepEqual(await postV3(port, v3), V3_SUCCESS)
      assert.deepEqual(await postV2(port, v2), V2_SUCCESS)
      assert.deepEqual(store.payments(), [row(B, '4200000096', 'v3', 'o-1', 5)])
    },
    { store },
  )
})

/** `node server.js 127.0.0.1:0` in a child process; resolves with its port once it listens. */
function spawnServer(env) {
  const child = spawn(process.execPath, [SERVER, '127.0.0.1:0'], {
    env: cleanEnv(env),
    stdio: ['ignore', 'ignore', 'pipe'],
  })
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
  const servers = [spawnServer(env), spawnServer(env)]
  try {
    const ports = await Promise.all(servers.map((s) => s.port))
    // 16 deliveries of one payment of A (half v2, half v3, one transaction_id), and 8 different
    // genuine transactions for one order of B, all at once.
    const v2 = v2Payment(A, '4200000070', 'o-1', 1)
    const v3 = v3Payment(A, '4200000070', 'o-1', 1)
    const jobs = []
    for (let i = 0; i < 16; i++) {
      const port = ports[i % 2]
      jobs.push(i % 4 < 2 ? [postV2(port, v2), V2_SUCCESS] : [postV3(port, v3), V3_SUCCESS])
    }
    for (let i = 0; i < 8; i++) {
      const tx = `42000001${String(i).padStart(2, '0')}`
      const port = ports[i % 2]
      jobs.push(i % 2 === 0 ? [postV2(port, v2Payment(B, tx, 'o-2', 1)), V2_SUCCESS] : [postV3(port, v3Payment(B, tx, 'o-2', 1)), V3_SUCCESS])
    }
    const replies = await Promise.all(jobs.map(([p]) => p))
    replies.forEach((res, i) => assert.deepEqual(res, jobs[i][1]))
  } finally {
    for (const s of servers) s.child.kill('SIGTERM')
    await Promise.all(servers.map((s) => s.exited))
  }
  const store = openStore(dbPath)
  try {
    assert.equal(store.count(), 1 + 8)
    assert.deepEqual(store.order(A.label, 'o-1'), paid(A, 'o-1', 1, '4200000070'))
    const other = store.order(B.label, 'o-2')
    assert.equal(other.status, 'paid')
    const d = store.discrepancies()
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

test('the profiles file rules', () => {
  const dir = scratchDir('profiles-rules')
  const good = writeProfiles(dir)
  assert.deepEqual(loadEndpoint(good).labels(), [A.label, B.label])
  const original = JSON.parse(fs.readFileSync(good, 'utf8'))
  const tryWith = (edit) => {
    const doc = structuredClone(original)
    edit(doc)
    const file = path.join(dir, 'edited.json')
    fs.writeFileSync(file, JSON.stringify(doc))
    try {
      loadEndpoint(file)
    } catch (err) {
      assert.ok(err instanceof ConfigError, err)
      return err.message
    }
    assert.fail('accepted')
  }
  // A key written inline is refused, and never echoed.
  let e = tryWith((d) => (d.profiles[0].v2.api_key = A.v2Key))
  assert.match(e, /never written into the profiles file/)
  assert.ok(!e.includes(A.v2Key))
  // Both a file and a variable, or neither.
  e = tryWith((d) => (d.profiles[0].v3.api_v3_key_env = 'X'))
  assert.match(e, /exactly one of api_v3_key_file and api_v3_key_env/)
  // A variable that is not set; then set (the key comes from the environment).
  delete process.env.WECHATPAY_EXAMPLE_NOT_SET_ANYWHERE
  const byEnv = (d) => {
    delete d.profiles[1].v3.api_v3_key_file
    d.profiles[1].v3.api_v3_key_env = 'WECHATPAY_EXAMPLE_NOT_SET_ANYWHERE'
  }
  e = tryWith(byEnv)
  assert.ok(e.includes('$WECHATPAY_EXAMPLE_NOT_SET_ANYWHERE') && e.includes('shop-b'), e)
  process.env.WECHATPAY_EXAMPLE_NOT_SET_ANYWHERE = B.v3Key
  try {
    const doc = structuredClone(original)
    byEnv(doc)
    fs.writeFileSync(path.join(dir, 'by-env.json'), JSON.stringify(doc))
    assert.deepEqual(loadEndpoint(path.join(dir, 'by-env.json')).labels(), [A.label, B.label])
  } finally {
    delete process.env.WECHATPAY_EXAMPLE_NOT_SET_ANYWHERE
  }
  // The core's rules: two merchants with one mch_id, one label, or one key id; a v2 part without
  // mch_id; a key of the wrong length; a PEM that is not a key; an unknown sign type.
  assert.match(tryWith((d) => (d.profiles[1].v2.mch_id = A.mchId)), /invalid_config/)
  assert.match(tryWith((d) => (d.profiles[1].label = A.label)), /invalid_config/)
  assert.match(tryWith((d) => (d.profiles[1].v3.platform_keys = { [A.keyId]: 'shop-a/wechatpay_public_key.pem' })), /invalid_config/)
  e = tryWith((d) => delete d.profiles[0].v2.mch_id)
  assert.ok(e.includes('invalid_config') && e.includes('mch_id') && e.includes('shop-a'), e)
  fs.writeFileSync(path.join(dir, 'short.txt'), '0123456789abcdef\n')
  e = tryWith((d) => (d.profiles[0].v3.api_v3_key_file = 'short.txt'))
  assert.ok(e.includes('invalid_config') && !e.includes('0123456789abcdef'), e)
  e = tryWith((d) => (d.profiles[0].v3.platform_keys = { [A.keyId]: 'shop-a/api_key.txt' }))
  assert.ok(e.includes('invalid_config') && e.includes('api_key.txt'), e)
  assert.ok(!e.includes(A.v2Key) && !e.includes(A.v3Key), e)
  assert.match(tryWith((d) => (d.profiles[0].v2.sign_type = 'SHA1')), /invalid_config/)
  assert.match(tryWith((d) => (d.profiles[0].v2.mch_id = 10000100)), /mch_id must be a string/)
  // Two v2 parts with one API key: a refund's req_info names no merchant (the key file is never quoted).
  e = tryWith((d) => (d.profiles[1].v2 = { ...d.profiles[0].v2, mch_id: B.mchId }))
  assert.ok(e.includes('invalid_config') && e.includes('API key') && !e.includes(A.v2Key), e)
  // The merchant id at the profile level: it may replace the v2 part's, must agree with it, and
  // must not be empty; the v3 part's own mch_ids are a list of strings.
  const moved = structuredClone(original)
  moved.profiles[0].mch_id = moved.profiles[0].v2.mch_id
  delete moved.profiles[0].v2.mch_id
  moved.profiles[1].v3.mch_ids = [B.mchId, '1900000200']
  fs.writeFileSync(path.join(dir, 'moved.json'), JSON.stringify(moved))
  assert.deepEqual(loadEndpoint(path.join(dir, 'moved.json')).labels(), [A.label, B.label])
  assert.match(tryWith((d) => (d.profiles[0].mch_id = B.mchId)), /invalid_config/)
  assert.match(tryWith((d) => (d.profiles[0].mch_id = '')), /invalid_config/)
  assert.match(tryWith((d) => (d.profiles[0].mch_id = 10000100)), /mch_id must be a string/)
  assert.match(tryWith((d) => (d.profiles[0].v3.mch_ids = [''])), /invalid_config/)
  assert.match(tryWith((d) => (d.profiles[0].v3.mch_ids = A.mchId)), /mch_ids must be a list/)
  assert.match(tryWith((d) => (d.profiles[0].v2.api_key_file = 'missing.txt')), /cannot read/)
  assert.match(tryWith((d) => (d.profiles = {})), /"profiles" list/)
  assert.throws(() => loadEndpoint(path.join(dir, 'missing.json')), /cannot read/)
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
      store.discrepancies().map((d) => [d.merchant, d.dedupe_key, d.order_amount_fen, d.reason]),
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
    assert.equal(store.count(), 8)
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

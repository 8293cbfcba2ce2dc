'use strict'
// The Express example over real HTTP on loopback, with the shipped samples and notifications
// signed here with the library's `sign`: a genuine notification pays its order once however often
// it is retried (also concurrently, by two server processes sharing the database file); an amount
// mismatch or an unknown order is acknowledged and recorded for review, never fulfilled; a forged
// one is refused.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { Verifier, replySuccess, replyFail, sign } = require('wechatpay-notify')
const { createApp, openStore, MAX_BODY_BYTES } = require('../server.js')

const SAMPLES = path.join(__dirname, '..', '..', 'notifications')
const sample = (name) => fs.readFileSync(path.join(SAMPLES, name))
const API_KEY = fs.readFileSync(path.join(SAMPLES, 'api_key.txt'), 'utf8').trim()
const MCH_ID = '10000100'
const SAMPLE_ORDER = '20261127ORDER0001'
const SAMPLE_TX = '4200001234202611270123456789'

const dirs = []
function tempDb() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wechatpay-notify-example-'))
  dirs.push(dir)
  return path.join(dir, 'payments.sqlite3')
}

/** The app on 127.0.0.1 with a fresh database; `orders` are created first. */
async function start(orders = {}, { mchId = MCH_ID } = {}) {
  const store = openStore(tempDb())
  for (const [no, fen] of Object.entries(orders)) store.createOrder(no, fen)
  const logs = []
  const verifier = new Verifier({ apiKey: API_KEY, signType: 'MD5', mchId })
  const app = createApp({ verifier, store, log: (line) => logs.push(line) })
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  return {
    store,
    logs,
    base: `http://127.0.0.1:${server.address().port}`,
    async close() {
      await new Promise((resolve) => server.close(resolve))
      store.close()
    },
  }
}

async function post(base, route, body, contentType = 'text/xml') {
  const res = await fetch(base + route, { method: 'POST', body, headers: { 'content-type': contentType } })
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() }
}

const rows = (store, table) => store.db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all()
const payments = (store) =>
  store.db.prepare('SELECT dedupe_key, out_trade_no, total_fee, result_code, outcome FROM payments ORDER BY rowid').all()
const discrepancies = (store) =>
  store.db
    .prepare('SELECT dedupe_key, out_trade_no, total_fee, order_amount_fen, reason FROM discrepancies ORDER BY rowid')
    .all()
const order = (store, no) =>
  store.db.prepare('SELECT out_trade_no, amount_fen, status, transaction_id FROM orders WHERE out_trade_no = ?').get(no)

/** A payment notification as WeChat Pay sends it (CDATA values), signed with MD5 under `key`. */
function notification(transactionId, outTradeNo, totalFee, resultCode = 'SUCCESS', key = API_KEY) {
  const fields = {
    appid: 'wx2421b1c4370ec43b',
    bank_type: 'CFT',
    cash_fee: String(totalFee),
    fee_type: 'CNY',
    mch_id: MCH_ID,
    nonce_str: '5d2b6c2a8db53831f7eda20af46e531c',
    openid: 'oUpF8uMEb4qRXf22hE3X68TekukE',
    out_trade_no: outTradeNo,
    result_code: resultCode,
    return_code: 'SUCCESS',
    time_end: '20261127131540',
    total_fee: String(totalFee),
    trade_type: 'JSAPI',
    transaction_id: transactionId,
  }
  if (resultCode === 'FAIL') fields.err_code = 'NOTENOUGH'
  fields.sign = sign(fields, key, 'MD5')
  return `<xml>${Object.entries(fields)
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join('')}</xml>`
}

// One server for the first group of tests, which run in order and share its database.
let shared

test.before(async () => {
  shared = await start({ [SAMPLE_ORDER]: 101 })
})

test.after(async () => {
  await shared.close()
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
})

test('a genuine notification pays its order and is acknowledged with the exact SUCCESS reply', async () => {
  const res = await post(shared.base, '/wechatpay/notify', sample('pay-md5.xml'))
  assert.equal(res.status, 200)
  assert.match(res.type, /^text\/xml/)
  assert.equal(res.text, replySuccess())
  assert.deepEqual(payments(shared.store), [
    { dedupe_key: SAMPLE_TX, out_trade_no: SAMPLE_ORDER, total_fee: 101, result_code: 'SUCCESS', outcome: 'paid' },
  ])
  assert.deepEqual(order(shared.store, SAMPLE_ORDER), {
    out_trade_no: SAMPLE_ORDER,
    amount_fen: 101,
    status: 'paid',
    transaction_id: SAMPLE_TX,
  })
})

test('a retried notification is acknowledged again but recorded once', async () => {
  for (let i = 0; i < 3; i++) {
    const res = await post(shared.base, '/wechatpay/notify', sample('pay-md5.xml'), 'application/xml')
    assert.equal(res.status, 200)
    assert.equal(res.text, replySuccess())
  }
  assert.equal(payments(shared.store).length, 1)
  assert.equal(order(shared.store, SAMPLE_ORDER).transaction_id, SAMPLE_TX)
  assert.deepEqual(discrepancies(shared.store), [])
  assert.ok(shared.logs.filter((l) => l === `duplicate ${SAMPLE_TX}`).length >= 3)
})

test('a forged notification is refused with a FAIL reply and not recorded', async () => {
  const res = await post(shared.base, '/wechatpay/notify', sample('pay-forged.xml'))
  assert.equal(res.status, 400)
  assert.match(res.text, /<return_code><!\[CDATA\[FAIL\]\]><\/return_code>/)
  assert.match(res.text, /signature_mismatch/)
  // Signed with another key; a genuine 1-fen payment raised to 101 fen after signing.
  const otherKey = await post(shared.base, '/wechatpay/notify', notification('4200000009', SAMPLE_ORDER, 101, 'SUCCESS', '0'.repeat(32)))
  assert.deepEqual([otherKey.status, otherKey.text], [400, replyFail('signature_mismatch')])
  const genuine = notification('4200000009', 'o-forged', 1)
  const raised = genuine.replace('<total_fee><![CDATA[1]]>', '<total_fee><![CDATA[101]]>')
  assert.notEqual(raised, genuine)
  const res2 = await post(shared.base, '/wechatpay/notify', raised)
  assert.deepEqual([res2.status, res2.text], [400, replyFail('signature_mismatch')])
  assert.equal(payments(shared.store).length, 1)
})

test('a notification signed with another algorithm, garbage and an empty body are refused', async () => {
  for (const [body, code] of [
    [sample('pay-hmac-sha256.xml'), /sign_type_mismatch|signature_mismatch/],
    ['<xml><return_code>SUCCESS</return_code>', /malformed_xml/],
    ['', /malformed_xml/],
    [Buffer.alloc(70000, 0x20), /body_too_large/],
  ]) {
    const res = await post(shared.base, '/wechatpay/notify', body)
    assert.ok(res.status === 400 || res.status === 413, `status ${res.status}`)
    assert.match(res.text, code)
  }
  assert.equal(payments(shared.store).length, 1)
})

test('a refund notification is decrypted and recorded once, and touches no order', async () => {
  for (let i = 0; i < 2; i++) {
    const res = await post(shared.base, '/wechatpay/refund-notify', sample('refund.xml'))
    assert.equal(res.status, 200)
    assert.equal(res.text, replySuccess())
  }
  const refunds = shared.store.db.prepare('SELECT dedupe_key, refund_fee FROM refunds').all()
  assert.deepEqual(refunds, [{ dedupe_key: '50000505542026112700000000001', refund_fee: 101 }])
  assert.equal(order(shared.store, SAMPLE_ORDER).status, 'paid')
  assert.equal(payments(shared.store).length, 1)
})

test('an amount mismatch is acknowledged and recorded for review, never fulfilled', async () => {
  const app = await start({ [SAMPLE_ORDER]: 100 }) // the sample pays 101 fen
  try {
    for (let i = 0; i < 2; i++) {
      const res = await post(app.base, '/wechatpay/notify', sample('pay-md5.xml'))
      assert.deepEqual([res.status, res.text], [200, replySuccess()])
    }
    assert.deepEqual(payments(app.store), [
      { dedupe_key: SAMPLE_TX, out_trade_no: SAMPLE_ORDER, total_fee: 101, result_code: 'SUCCESS', outcome: 'discrepancy' },
    ])
    assert.deepEqual(discrepancies(app.store), [
      { dedupe_key: SAMPLE_TX, out_trade_no: SAMPLE_ORDER, total_fee: 101, order_amount_fen: 100, reason: 'amount_mismatch' },
    ])
    assert.deepEqual(order(app.store, SAMPLE_ORDER), {
      out_trade_no: SAMPLE_ORDER,
      amount_fen: 100,
      status: 'pending',
      transaction_id: null,
    })
  } finally {
    await app.close()
  }
})

test('an unknown order is acknowledged and recorded for review', async () => {
  const app = await start({ 'another-order': 101 })
  try {
    for (let i = 0; i < 2; i++) {
      const res = await post(app.base, '/wechatpay/notify', sample('pay-md5.xml'))
      assert.deepEqual([res.status, res.text], [200, replySuccess()])
    }
    assert.deepEqual(discrepancies(app.store), [
      { dedupe_key: SAMPLE_TX, out_trade_no: SAMPLE_ORDER, total_fee: 101, order_amount_fen: null, reason: 'unknown_order' },
    ])
    assert.equal(order(app.store, SAMPLE_ORDER), undefined)
    assert.equal(order(app.store, 'another-order').status, 'pending')
  } finally {
    await app.close()
  }
})

test('a second transaction for a paid order is recorded for review; a failed payment pays nothing', async () => {
  const app = await start({ 'o-1': 500, 'o-2': 500 })
  try {
    for (const body of [
      notification('4200000001', 'o-1', 500),
      notification('4200000002', 'o-1', 500),
      notification('4200000003', 'o-2', 500, 'FAIL'),
      notification('4200000003', 'o-2', 500, 'FAIL'),
    ]) {
      const res = await post(app.base, '/wechatpay/notify', body)
      assert.deepEqual([res.status, res.text], [200, replySuccess()])
    }
    assert.equal(order(app.store, 'o-1').transaction_id, '4200000001')
    assert.equal(order(app.store, 'o-2').status, 'pending')
    assert.deepEqual(
      payments(app.store).map((p) => [p.dedupe_key, p.outcome]),
      [
        ['4200000001', 'paid'],
        ['4200000002', 'discrepancy'],
        ['4200000003', 'failed'],
      ],
    )
    assert.deepEqual(discrepancies(app.store), [
      { dedupe_key: '4200000002', out_trade_no: 'o-1', total_fee: 500, order_amount_fen: 500, reason: 'already_paid' },
    ])
  } finally {
    await app.close()
  }
})

test('a body past the limit is refused before it is read; exactly the limit is verified', async () => {
  const app = await start()
  try {
    const body = sample('pay-md5.xml')
    const padded = Buffer.concat([Buffer.from('<xml>'), Buffer.alloc(MAX_BODY_BYTES - body.length, 0x20), body.subarray(5)])
    assert.equal(padded.length, MAX_BODY_BYTES)
    let res = await post(app.base, '/wechatpay/notify', Buffer.concat([padded, Buffer.from(' ')]))
    assert.deepEqual([res.status, res.text], [413, replyFail('body_too_large')])
    res = await post(app.base, '/wechatpay/notify', padded)
    assert.deepEqual([res.status, res.text], [200, replySuccess()])
    assert.deepEqual(
      payments(app.store).map((p) => p.outcome),
      ['discrepancy'], // no order in this database
    )
  } finally {
    await app.close()
  }
})

/** `node server.js` in a child process; resolves with its base URL once it listens. */
function spawnServer(env) {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'server.js')], {
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise((resolve) => child.on('exit', resolve))
  const base = new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)
      if (m) resolve(m[1])
    })
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)))
  })
  return { child, base, exited }
}

test('concurrent duplicates, to two server processes sharing one database, pay each order once', async () => {
  const dbPath = tempDb()
  const env = { WECHATPAY_API_KEY: API_KEY, WECHATPAY_MCH_ID: MCH_ID, WECHATPAY_DB: dbPath }
  // The add-order command, as the README uses it.
  for (const args of [['o-1', '300'], ['o-2', '300']]) {
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'server.js'), 'add-order', ...args], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    })
    assert.equal(await new Promise((resolve) => child.on('exit', resolve)), 0)
  }
  const servers = [spawnServer(env), spawnServer(env)]
  try {
    const bases = await Promise.all(servers.map((s) => s.base))
    const same = notification('4200000100', 'o-1', 300)
    const bodies = [...Array(16).fill(same), ...Array.from({ length: 8 }, (_, i) => notification(`42000002${i}`, 'o-2', 300))]
    const replies = await Promise.all(bodies.map((body, i) => post(bases[i % 2], '/wechatpay/notify', body)))
    for (const res of replies) assert.deepEqual([res.status, res.text], [200, replySuccess()])
  } finally {
    for (const s of servers) s.child.kill('SIGTERM')
    await Promise.all(servers.map((s) => s.exited))
  }
  const store = openStore(dbPath)
  try {
    assert.equal(rows(store, 'payments').length, 1 + 8)
    assert.equal(order(store, 'o-1').transaction_id, '4200000100')
    const o2 = order(store, 'o-2')
    assert.equal(o2.status, 'paid')
    const d = discrepancies(store)
    assert.equal(d.length, 7)
    for (const r of d) {
      assert.equal(r.reason, 'already_paid')
      assert.equal(r.out_trade_no, 'o-2')
      assert.notEqual(r.dedupe_key, o2.transaction_id)
    }
  } finally {
    store.close()
  }
})

test('add-order refuses what is not a positive whole number of fen', async () => {
  for (const amount of ['0', '1.5', '-3', 'ten']) {
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'server.js'), 'add-order', 'x', amount], {
      env: { ...process.env, WECHATPAY_DB: tempDb() },
      stdio: 'ignore',
    })
    assert.equal(await new Promise((resolve) => child.on('exit', resolve)), 2, amount)
  }
})

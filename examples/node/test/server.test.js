'use strict'
// The Express example over real HTTP on loopback: a genuine notification is recorded once and
// acknowledged, a retry is acknowledged without a second record, a forged one is refused.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { Verifier, replySuccess } = require('wechatpay-notify')
const { createApp, openStore } = require('../server.js')

const SAMPLES = path.join(__dirname, '..', '..', 'notifications')
const sample = (name) => fs.readFileSync(path.join(SAMPLES, name))
const API_KEY = fs.readFileSync(path.join(SAMPLES, 'api_key.txt'), 'utf8').trim()

let server
let base
let store
let dir
const logs = []

test.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wechatpay-notify-example-'))
  store = openStore(path.join(dir, 'payments.sqlite3'))
  const verifier = new Verifier({ apiKey: API_KEY, signType: 'MD5', mchId: '10000100' })
  const app = createApp({ verifier, store, log: (line) => logs.push(line) })
  await new Promise((resolve) => {
    server = app.listen(0, '127.0.0.1', resolve)
  })
  base = `http://127.0.0.1:${server.address().port}`
})

test.after(async () => {
  await new Promise((resolve) => server.close(resolve))
  store.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

async function post(route, body, contentType = 'text/xml') {
  const res = await fetch(base + route, { method: 'POST', body, headers: { 'content-type': contentType } })
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() }
}

const payments = () => store.db.prepare('SELECT transaction_id, out_trade_no, total_fee, success FROM payments').all()

test('a genuine notification is recorded and acknowledged with the exact SUCCESS reply', async () => {
  const res = await post('/wechatpay/notify', sample('pay-md5.xml'))
  assert.equal(res.status, 200)
  assert.match(res.type, /^text\/xml/)
  assert.equal(res.text, replySuccess())
  assert.deepEqual(payments(), [
    { transaction_id: '4200001234202611270123456789', out_trade_no: '20261127ORDER0001', total_fee: 101, success: 1 },
  ])
})

test('a retried notification is acknowledged again but recorded once', async () => {
  for (let i = 0; i < 3; i++) {
    const res = await post('/wechatpay/notify', sample('pay-md5.xml'), 'application/xml')
    assert.equal(res.status, 200)
    assert.equal(res.text, replySuccess())
  }
  assert.equal(payments().length, 1)
  assert.ok(logs.filter((l) => l === 'duplicate 4200001234202611270123456789').length >= 3)
})

test('a forged notification is refused with a FAIL reply and not recorded', async () => {
  const res = await post('/wechatpay/notify', sample('pay-forged.xml'))
  assert.equal(res.status, 400)
  assert.match(res.text, /<return_code><!\[CDATA\[FAIL\]\]><\/return_code>/)
  assert.match(res.text, /signature_mismatch/)
  assert.equal(payments().length, 1)
})

test('a notification signed with another algorithm, garbage and an empty body are refused', async () => {
  for (const [body, code] of [
    [sample('pay-hmac-sha256.xml'), /sign_type_mismatch|signature_mismatch/],
    ['<xml><return_code>SUCCESS</return_code>', /malformed_xml/],
    ['', /malformed_xml/],
    [Buffer.alloc(70000, 0x20), /body_too_large/],
  ]) {
    const res = await post('/wechatpay/notify', body)
    assert.ok(res.status === 400 || res.status === 413, `status ${res.status}`)
    assert.match(res.text, code)
  }
  assert.equal(payments().length, 1)
})

test('a refund notification is decrypted and recorded once', async () => {
  for (let i = 0; i < 2; i++) {
    const res = await post('/wechatpay/refund-notify', sample('refund.xml'))
    assert.equal(res.status, 200)
    assert.equal(res.text, replySuccess())
  }
  const rows = store.db.prepare('SELECT refund_id, refund_fee FROM refunds').all()
  assert.deepEqual(rows, [{ refund_id: '50000505542026112700000000001', refund_fee: 101 }])
})

'use strict'
// Shared by the example's tests: two merchants (their keys are the repository's test keys, written
// to a profiles directory as a deployment's would be), their notifications made by the CLI as the
// README's "Test your handler locally" does (`wechatpay-notify simulate … --print`: v2 payments
// signed, v2 refunds encrypted, APIv3 signed and encrypted), and a small HTTP/1.1 client
// (node:http, one request per connection) that reports the exact status, content type and body.
// The CLI is $WECHATPAY_NOTIFY_CLI, else target/debug/wechatpay-notify (scripts/test-node.sh
// builds it).
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')

const { V3Verifier, replySuccess, replyRefusal, replyV3Fail } = require('wechatpay-notify')
const { NOTIFY_PATH } = require('../server.js')

const ROOT = path.join(__dirname, '..', '..', '..')
const KEYS = path.join(ROOT, 'tests', 'vectors', 'keys')
const CLI = process.env.WECHATPAY_NOTIFY_CLI || path.join(ROOT, 'target', 'debug', 'wechatpay-notify')

/**
 * One merchant's keys, as WeChat Pay and the merchant share them. Its merchant id is the same in
 * both versions (v2 `mch_id`, APIv3 `mchid`): the profile's v2 part binds its APIv3 part to it.
 */
const A = {
  label: 'shop-a',
  mchId: '10000100',
  v2Key: '192006250b4c09247ec02edce69f6a2d',
  signType: 'MD5',
  v3Key: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb',
  keyId: 'PUB_KEY_ID_0114232134912410000000000000', // the WeChat Pay public key it trusts
  privateKey: 'pubkey-a-private.pem', // signs as "WeChat Pay" for it (tests/vectors/keys/)
  publicKey: 'pubkey-a-public.pem',
}
const B = {
  label: 'shop-b',
  mchId: '10000200',
  v2Key: '2IBtBXdrqC3kCBs4gaceL7nl2nnFadQv',
  signType: 'HMAC-SHA256',
  v3Key: '0123456789abcdefghijklmnopqrstuv',
  keyId: 'PUB_KEY_ID_0111111111111120000000000001',
  privateKey: 'pubkey-b-private.pem',
  publicKey: 'pubkey-b-public.pem',
}

const dirs = []
/** A fresh directory, removed by cleanup(). */
function scratchDir(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wechatpay-notify-example-node-${name}-`))
  dirs.push(dir)
  return dir
}
function cleanup() {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
}

/**
 * A deployment's configuration for A and B in `dir`: each merchant's v2 key and APIv3 key in its
 * own file, the WeChat Pay public key it trusts, and profiles.json naming them (never a key).
 */
function writeProfiles(dir) {
  const profiles = []
  for (const m of [A, B]) {
    const d = path.join(dir, m.label)
    fs.mkdirSync(d, { recursive: true })
    fs.writeFileSync(path.join(d, 'api_key.txt'), `${m.v2Key}\n`, { mode: 0o600 })
    fs.writeFileSync(path.join(d, 'api_v3_key.txt'), `${m.v3Key}\n`, { mode: 0o600 })
    fs.copyFileSync(path.join(KEYS, m.publicKey), path.join(d, 'wechatpay_public_key.pem'))
    profiles.push({
      label: m.label,
      v2: { api_key_file: `${m.label}/api_key.txt`, sign_type: m.signType, mch_id: m.mchId },
      v3: {
        api_v3_key_file: `${m.label}/api_v3_key.txt`,
        platform_keys: { [m.keyId]: `${m.label}/wechatpay_public_key.pem` },
      },
    })
  }
  const file = path.join(dir, 'profiles.json')
  fs.writeFileSync(file, JSON.stringify({ profiles }, null, 1), { mode: 0o600 })
  return file
}

/** The environment without any WECHATPAY_* or test key variable, plus `extra`. */
function cleanEnv(extra = {}) {
  const env = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('WECHATPAY_') && !k.startsWith('SIM_SHOP_')) env[k] = v
  }
  return { ...env, ...extra }
}

// ---- notifications ----

/**
 * `wechatpay-notify simulate KIND … --print` (KIND: `pay`, `refund`, `v3 pay`, `v3 refund`) for
 * merchant `m`: its mch_id, algorithm and keys, and the key id it trusts (signed with `privateKey`,
 * by default the one it trusts). `options` are more simulate options (the later one wins).
 * Returns `{ headers, body }`: the Wechatpay-* headers of an APIv3 request (none for v2), the body.
 */
function simulate(kind, m, options = [], { v2Key = m.v2Key, v3Key = m.v3Key, privateKey = m.privateKey } = {}) {
  const v3 = kind.startsWith('v3 ')
  const own = v3 ? ['--private-key', path.join(KEYS, privateKey), '--key-id', m.keyId] : ['--sign-type', m.signType]
  const args = ['simulate', ...kind.split(' '), '--mch-id', m.mchId, ...own, ...options, '--print']
  const env = cleanEnv({ WECHATPAY_API_KEY: v2Key, WECHATPAY_API_V3_KEY: v3Key })
  const out = execFileSync(CLI, args, { env, encoding: 'utf8' }).replace(/\n$/, '')
  if (!v3) return { headers: [], body: out }
  const [head, body] = [out.slice(0, out.indexOf('\n\n')), out.slice(out.indexOf('\n\n') + 2)]
  return { headers: head.split('\n').map((line) => line.split(/: (.*)/s).slice(0, 2)), body }
}

const order = (outTradeNo, fee, more) => ['--out-trade-no', outTradeNo, '--total-fee', String(fee), ...more]
/** A v2 payment of `m` (a new transaction_id each time): the body. */
const v2Payment = (m, outTradeNo, fee, more = [], keys) => simulate('pay', m, order(outTradeNo, fee, more), keys).body
/** A v2 refund of `m` (a new refund_id unless `--refund-id`; `--result FAIL`: CHANGE): the body. */
const v2Refund = (m, outTradeNo, fee, more = [], keys) => simulate('refund', m, order(outTradeNo, fee, more), keys).body
/** An APIv3 payment of `m`, signed now: `{ headers, body }`. */
const v3Payment = (m, outTradeNo, fee, more = [], keys) => simulate('v3 pay', m, order(outTradeNo, fee, more), keys)
/** An APIv3 refund of `m` (`--result FAIL`: REFUND.ABNORMAL), signed now. */
const v3Refund = (m, outTradeNo, fee, more = [], keys) => simulate('v3 refund', m, order(outTradeNo, fee, more), keys)

/** The transaction_id of a v2 payment body. */
const transactionIdOf = (body) => /<transaction_id><!\[CDATA\[([0-9]+)\]\]>/.exec(body)[1]

/** The transaction_id of a simulated APIv3 payment (encrypted: read by verifying it with m's keys). */
function v3TransactionIdOf(m, { headers, body }) {
  const platformKeys = { [m.keyId]: fs.readFileSync(path.join(KEYS, m.publicKey), 'utf8') }
  return new V3Verifier({ apiV3Key: m.v3Key, platformKeys }).verify(headers, body).transaction.transactionId
}

/**
 * A v2 payment of `m` under a given transaction_id (the other version's delivery of one payment, or
 * a failed payment succeeding later): `simulate pay --transaction-id ID --result CODE --print`.
 */
const v2PaymentOf = (m, transactionId, outTradeNo, fee, resultCode = 'SUCCESS') =>
  v2Payment(m, outTradeNo, fee, ['--transaction-id', transactionId, '--result', resultCode])

// ---- the database, as the tests read it ----

const COLUMNS = {
  payments: 'merchant, dedupe_key, version, out_trade_no, total_fee, result, outcome',
  discrepancies: 'merchant, dedupe_key, out_trade_no, total_fee, order_amount_fen, reason',
  refunds: 'merchant, dedupe_key, version, out_trade_no, out_refund_no, refund_fee, refund_status',
  refund_states: 'merchant, refund_id, status',
}
/** Every row of `table`, in insertion order. */
const rows = (store, table) => store.db.prepare(`SELECT ${COLUMNS[table]} FROM ${table} ORDER BY rowid`).all()

// ---- HTTP ----

/**
 * One request over a new connection: `{ status, contentType, body }` (contentType null when absent).
 * `chunked` sends the body in 8 KiB chunks without a Content-Length.
 */
function request(port, body, { headers = [], contentType = 'text/xml', chunked = false, method = 'POST', path: p = NOTIFY_PATH } = {}) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(body)
    // A raw header list (so that a header can be sent twice) gets no automatic Host.
    const head = [['Host', `127.0.0.1:${port}`], ['Content-Type', contentType], ['Connection', 'close'], ...headers]
    if (!chunked) head.push(['Content-Length', String(data.length)])
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers: head.flat(), agent: false })
    req.on('error', reject)
    req.on('response', (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        const length = res.headers['content-length']
        if (res.statusCode !== 204 && length !== undefined && Number(length) !== Buffer.byteLength(text)) {
          reject(new Error(`Content-Length ${length} vs a body of ${Buffer.byteLength(text)} bytes`))
        }
        resolve({ status: res.statusCode, contentType: res.headers['content-type'] ?? null, body: text })
      })
    })
    if (chunked) {
      for (let i = 0; i < data.length; i += 8192) req.write(data.subarray(i, i + 8192))
    } else {
      req.write(data)
    }
    req.end()
  })
}

const postV2 = (port, body, options = {}) => request(port, body, options)
const postV3 = (port, { headers, body }) => request(port, body, { headers, contentType: 'application/json' })

// ---- replies ----

const V2_SUCCESS = { status: 200, contentType: 'text/xml', body: replySuccess() }
const V3_SUCCESS = { status: 204, contentType: null, body: '' }
// A refusal's reply is the same for every refusal of a version (SPEC §2): its code is only in the
// server's log. These give the reply a test expects and the code the log must name.
/** A v2 refusal: 200 once the version was decided, 400 for a body neither version can read, 500 for our own failure. */
const v2Fail = (status, code) => ({ reply: { status, contentType: 'text/xml', body: replyRefusal() }, code })
/** An APIv3 refusal: `status`, application/json, {"code":"FAIL","message":"rejected"}. */
const v3Fail = (status, code) => ({ reply: { status, contentType: 'application/json', body: replyV3Fail(code).body }, code })

module.exports = {
  ROOT,
  KEYS,
  CLI,
  A,
  B,
  scratchDir,
  cleanup,
  cleanEnv,
  writeProfiles,
  simulate,
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
}

'use strict'
// Shared by the example's tests: two merchants (their keys are the repository's test keys, written
// to a profiles directory as a deployment's would be), notifications signed as WeChat Pay signs
// them (v2 with the library's `sign`, refunds' req_info with AES-256-ECB; APIv3 with SHA256withRSA
// over the raw body and an AES-256-GCM resource, through node:crypto), and a small HTTP/1.1 client
// (node:http, one request per connection) that reports the exact status, content type and body.
const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')

const { sign, replySuccess, replyRefusal, replyV3Fail } = require('wechatpay-notify')
const { NOTIFY_PATH } = require('../server.js')

const ROOT = path.join(__dirname, '..', '..', '..')
const KEYS = path.join(ROOT, 'tests', 'vectors', 'keys')

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

// ---- v2 ----

const xmlOf = (fields, root = 'xml') =>
  `<${root}>${Object.entries(fields)
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join('')}</${root}>`

/** A v2 payment notification as WeChat Pay sends it, for `mchId`, signed with `key` (forged unless it is the merchant's). */
function v2PaymentSigned(key, signType, mchId, transactionId, outTradeNo, totalFee, resultCode = 'SUCCESS') {
  const fields = {
    appid: 'wx2421b1c4370ec43b',
    attach: '支付测试',
    bank_type: 'CFT',
    cash_fee: String(totalFee),
    fee_type: 'CNY',
    is_subscribe: 'Y',
    mch_id: mchId,
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
  if (resultCode === 'FAIL') {
    fields.err_code = 'NOTENOUGH'
    fields.err_code_des = '余额不足'
  }
  fields.sign = sign(fields, key, signType)
  return xmlOf(fields)
}

/** A genuine v2 payment of merchant `m`. */
const v2Payment = (m, transactionId, outTradeNo, totalFee, resultCode = 'SUCCESS') =>
  v2PaymentSigned(m.v2Key, m.signType, m.mchId, transactionId, outTradeNo, totalFee, resultCode)

/** req_info as WeChat Pay makes it: base64(AES-256-ECB(PKCS#7(<root>…</root>))) under the lowercase hex MD5 of the API key. */
function encryptReqInfo(inner, apiKey) {
  const key = Buffer.from(crypto.createHash('md5').update(apiKey).digest('hex'), 'ascii')
  const cipher = crypto.createCipheriv('aes-256-ecb', key, null)
  return Buffer.concat([cipher.update(xmlOf(inner, 'root'), 'utf8'), cipher.final()]).toString('base64')
}

/**
 * A v2 refund notification of merchant `m` (req_info encrypted with its API key, or `key`), in
 * state `status` (v2's words: SUCCESS, CHANGE, REFUNDCLOSE).
 */
function v2Refund(m, refundId, outTradeNo, refundFee, { key = m.v2Key, status = 'SUCCESS' } = {}) {
  const fee = String(refundFee)
  const reqInfo = encryptReqInfo(
    {
      out_refund_no: `R-${outTradeNo}`,
      out_trade_no: outTradeNo,
      refund_account: 'REFUND_SOURCE_RECHARGE_FUNDS',
      refund_fee: fee,
      refund_id: refundId,
      refund_recv_accout: '支付用户零钱',
      refund_request_source: 'API',
      refund_status: status,
      settlement_refund_fee: fee,
      settlement_total_fee: fee,
      success_time: '2026-11-27 13:20:00',
      total_fee: fee,
      transaction_id: '4200000000000000000000000001',
    },
    key,
  )
  return (
    '<xml><return_code>SUCCESS</return_code><appid><![CDATA[wx2421b1c4370ec43b]]></appid>' +
    `<mch_id><![CDATA[${m.mchId}]]></mch_id><nonce_str><![CDATA[TeqClE3i0mvn3DrK]]></nonce_str>` +
    `<req_info><![CDATA[${reqInfo}]]></req_info></xml>`
  )
}

// ---- APIv3 ----

/** A TRANSACTION.* resource of merchant `m`. */
const transaction = (m, transactionId, outTradeNo, total, tradeState = 'SUCCESS') => ({
  mchid: m.mchId,
  appid: 'wxd678efh567hg6787',
  out_trade_no: outTradeNo,
  transaction_id: transactionId,
  trade_type: 'JSAPI',
  trade_state: tradeState,
  trade_state_desc: '支付成功',
  bank_type: 'CMC',
  attach: '',
  success_time: '2026-11-27T13:15:40+08:00',
  payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  amount: { total, payer_total: total, currency: 'CNY', payer_currency: 'CNY' },
})

/** A REFUND.* resource of merchant `m`, in state `status` (SUCCESS, ABNORMAL, CLOSED). */
const refund = (m, refundId, outTradeNo, amount, status = 'SUCCESS') => ({
  mchid: m.mchId,
  out_trade_no: outTradeNo,
  transaction_id: '4200000000000000000000000002',
  out_refund_no: `R-${outTradeNo}`,
  refund_id: refundId,
  refund_status: status,
  success_time: '2026-11-27T13:20:00+08:00',
  user_received_account: '支付用户零钱',
  amount: { total: amount, refund: amount, payer_total: amount, payer_refund: amount },
})

/** The notification body: `resource` encrypted with AES-256-GCM under `apiV3Key` (12-byte nonce, associated_data as AAD). */
function v3Body(apiV3Key, eventId, eventType, resource) {
  const originalType = eventType.startsWith('REFUND.') ? 'refund' : 'transaction'
  const nonce = 'fdasflkja484'
  const cipher = crypto.createCipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(nonce))
  cipher.setAAD(Buffer.from(originalType))
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(resource), 'utf8'), cipher.final(), cipher.getAuthTag()])
  return JSON.stringify({
    id: eventId,
    create_time: '2026-11-27T13:15:41+08:00',
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary: '支付成功',
    resource: {
      original_type: originalType,
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: ciphertext.toString('base64'),
      associated_data: originalType,
      nonce,
    },
  })
}

const unixNow = () => Math.floor(Date.now() / 1000)

/** The Wechatpay-* headers of `body`: SHA256withRSA with the key file `privateKey` over `timestamp\nnonce\nbody\n`, announcing `serial`. */
function v3Headers(body, privateKey, serial, timestamp) {
  const nonce = '593BEC0C930BF1AFEB40B4A08C8FB242'
  const signature = crypto
    .createSign('RSA-SHA256')
    .update(`${timestamp}\n${nonce}\n${body}\n`)
    .sign(fs.readFileSync(path.join(KEYS, privateKey), 'utf8'), 'base64')
  return [
    ['Wechatpay-Timestamp', String(timestamp)],
    ['Wechatpay-Nonce', nonce],
    ['Wechatpay-Signature', signature],
    ['Wechatpay-Serial', serial],
    ['Wechatpay-Signature-Type', 'WECHATPAY2-SHA256-RSA2048'],
  ]
}

/** A genuine APIv3 event of merchant `m`, signed now: `{ headers, body }`. */
function v3Event(m, eventType, resource) {
  const id = resource.refund_id === undefined ? resource.transaction_id : `${resource.refund_id}-${resource.refund_status}`
  const body = v3Body(m.v3Key, `EV-${id}`, eventType, resource)
  return { headers: v3Headers(body, m.privateKey, m.keyId, unixNow()), body }
}

/** A genuine APIv3 payment of merchant `m`, signed now. */
const v3Payment = (m, transactionId, outTradeNo, total, tradeState = 'SUCCESS') =>
  v3Event(m, 'TRANSACTION.SUCCESS', transaction(m, transactionId, outTradeNo, total, tradeState))

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
}

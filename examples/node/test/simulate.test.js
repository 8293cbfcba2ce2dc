'use strict'
// `node server.js` as a user runs it (configured by the environment and a profiles file for two
// merchants), driven by the CLI's `simulate` exactly as the README's "Test your handler locally"
// says (issue 12.6). The CLI is the repository's `wechatpay-notify` binary: $WECHATPAY_NOTIFY_CLI,
// else target/debug/wechatpay-notify (`cargo build -p wechatpay-notify-cli`; scripts/test-node.sh
// builds it).
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFile, spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const { openStore } = require('../server.js')
const { A, B, CLI, scratchDir, cleanup, cleanEnv, writeProfiles, rows } = require('./support.js')

const SERVER = path.join(__dirname, '..', 'server.js')
// The environment variable the profiles name for shop-a's APIv3 key in these tests.
const A_V3_KEY_ENV = 'SIM_SHOP_A_API_V3_KEY'
const V2_SUCCESS = '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>'
// Every refusal carries one constant message (SPEC §2); the code is only in the example's log.
const V2_REFUSAL = '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>'
const V3_REFUSAL = '{"code":"FAIL","message":"rejected"}'

function exec(file, args, env) {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 120000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr })
    })
  })
}

/** `wechatpay-notify keygen --out DIR`: a test key standing in for WeChat Pay's, and its id. */
async function keygen(dir) {
  const done = await exec(CLI, ['keygen', '--out', dir], cleanEnv())
  assert.equal(done.code, 0, done.stderr)
  const keyId = fs.readFileSync(path.join(dir, 'test_key_id.txt'), 'utf8').trim()
  assert.equal(JSON.parse(done.stdout).key_id, keyId)
  return { privateKey: path.join(dir, 'test_private_key.pem'), keyId }
}

// Profiles for shop-a and shop-b, where shop-a's APIv3 part trusts a keygen test key and reads its
// APIv3 key from the environment.
let deployment

test.before(async () => {
  assert.ok(
    fs.existsSync(CLI),
    `${CLI} is missing: run \`cargo build -p wechatpay-notify-cli\` (scripts/test-node.sh does), or set WECHATPAY_NOTIFY_CLI`,
  )
  const dir = scratchDir('deployment')
  const profiles = writeProfiles(dir)
  const [trusted, untrusted] = await Promise.all([keygen(path.join(dir, 'shop-a-keygen')), keygen(path.join(dir, 'untrusted'))])
  const doc = JSON.parse(fs.readFileSync(profiles, 'utf8'))
  doc.profiles[0].v3 = {
    api_v3_key_env: A_V3_KEY_ENV,
    platform_keys: { [trusted.keyId]: 'shop-a-keygen/test_public_key.pem' },
  }
  fs.writeFileSync(profiles, JSON.stringify(doc))
  deployment = { dir, profiles, trusted, untrusted }
})
test.after(cleanup)

/** `node server.js 127.0.0.1:0` serving the deployment, as a process. */
async function startExample({ failFirst } = {}) {
  const db = path.join(scratchDir('db'), 'payments.sqlite3')
  const extra = { WECHATPAY_PROFILES: deployment.profiles, WECHATPAY_DB: db, [A_V3_KEY_ENV]: A.v3Key }
  if (failFirst !== undefined) extra.WECHATPAY_EXAMPLE_FAIL_FIRST = String(failFirst)
  const child = spawn(process.execPath, [SERVER, '127.0.0.1:0'], { env: cleanEnv(extra), stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  const exited = new Promise((resolve) => child.on('exit', resolve))
  const url = await new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      log += chunk
      const m = /listening on (\S+)/.exec(log)
      if (m) resolve(m[1])
    })
    child.on('exit', (code) => reject(new Error(`the example exited with ${code}: ${log}`)))
  })
  return {
    url,
    db,
    log: () => log,
    async addOrder(merchant, no, fen) {
      const done = await exec(process.execPath, [SERVER, 'add-order', merchant, no, String(fen)], cleanEnv({ WECHATPAY_DB: db }))
      assert.equal(done.code, 0, done.stderr)
    },
    /** `wechatpay-notify simulate ARGS --url URL` with exactly the keys in `env`: the report and whether it exited 0. */
    async simulate(args, env) {
      const done = await exec(CLI, ['simulate', ...args, '--url', url], cleanEnv(env))
      assert.ok(done.code === 0 || done.code === 1, `${done.code} ${done.stderr}\nexample log:\n${log}`)
      const report = JSON.parse(done.stdout)
      assert.equal(report.url, url)
      assert.equal(report.reply_ok, done.code === 0)
      return report
    },
    store: () => openStore(db),
    async stop() {
      child.kill('SIGTERM')
      await exited
    },
  }
}

async function withExample(fn, options) {
  const ex = await startExample(options)
  try {
    await fn(ex)
  } finally {
    await ex.stop()
  }
}

/** Reads the store of `ex`, closing it afterwards. */
function withStore(ex, fn) {
  const store = ex.store()
  try {
    return fn(store)
  } finally {
    store.close()
  }
}

const statuses = (report) => report.attempts.map((a) => a.status)

test('simulate pay --repeat 3 is recorded once for each merchant', () =>
  withExample(async (ex) => {
    await ex.addOrder(A.label, 'SIM-A-1', 101)
    await ex.addOrder(B.label, 'SIM-B-1', 202)
    let report = await ex.simulate(
      ['pay', '--mch-id', A.mchId, '--out-trade-no', 'SIM-A-1', '--total-fee', '101', '--repeat', '3'],
      { WECHATPAY_API_KEY: A.v2Key },
    )
    assert.equal(report.reply_ok, true)
    assert.deepEqual(
      report.attempts.map((a) => [a.status, a.reply, a.reply_ok]),
      Array(3).fill([200, V2_SUCCESS, true]),
    )
    report = await ex.simulate(
      ['pay', '--sign-type', 'HMAC-SHA256', '--mch-id', B.mchId, '--out-trade-no', 'SIM-B-1', '--total-fee', '202', '--repeat', '3'],
      { WECHATPAY_API_KEY: B.v2Key },
    )
    assert.equal(report.reply_ok, true)
    assert.deepEqual(statuses(report), [200, 200, 200])
    // Three deliveries each, one payment each, each order paid by it.
    withStore(ex, (store) => {
      const payments = rows(store, 'payments')
      assert.deepEqual(
        payments.map((p) => [p.merchant, p.version, p.out_trade_no, p.total_fee, p.outcome]),
        [
          ['shop-a', 'v2', 'SIM-A-1', 101, 'paid'],
          ['shop-b', 'v2', 'SIM-B-1', 202, 'paid'],
        ],
      )
      assert.equal(store.order(A.label, 'SIM-A-1').transaction_id, payments[0].dedupe_key)
      assert.equal(store.order(B.label, 'SIM-B-1').transaction_id, payments[1].dedupe_key)
    })
  }))

test('simulate pay signed with a forged key, or for a merchant nobody serves, is refused', () =>
  withExample(async (ex) => {
    await ex.addOrder(A.label, 'SIM-A-2', 101)
    // Merchant A's mch_id, but B's API key: refused, in the endpoint's v2 form.
    let report = await ex.simulate(['pay', '--mch-id', A.mchId, '--out-trade-no', 'SIM-A-2', '--total-fee', '101'], {
      WECHATPAY_API_KEY: B.v2Key,
    })
    assert.equal(report.reply_ok, false)
    assert.deepEqual([report.attempts[0].status, report.attempts[0].reply], [200, V2_REFUSAL])
    assert.match(ex.log(), /rejected v2 notification for shop-a: signature_mismatch: /)
    report = await ex.simulate(['pay', '--mch-id', '19999999', '--out-trade-no', 'SIM-A-2', '--total-fee', '101'], {
      WECHATPAY_API_KEY: A.v2Key,
    })
    assert.equal(report.reply_ok, false)
    assert.deepEqual([report.attempts[0].status, report.attempts[0].reply], [200, V2_REFUSAL])
    assert.match(ex.log(), /rejected v2 notification: merchant_mismatch: /)
    withStore(ex, (store) => {
      assert.equal(rows(store, 'payments').length, 0)
      assert.equal(store.order(A.label, 'SIM-A-2').status, 'pending')
    })
  }))

test('simulate v3 with a keygen key the example trusts: 204, recorded once; what it must refuse is refused', () =>
  withExample(async (ex) => {
    await ex.addOrder(A.label, 'SIM-A-3', 303)
    const { trusted, untrusted } = deployment
    const signed = ['--private-key', trusted.privateKey, '--key-id', trusted.keyId]
    // The merchant's id is the same in both versions (the profile binds its APIv3 part to it).
    const order = ['--mch-id', A.mchId, '--out-trade-no', 'SIM-A-3', '--total-fee', '303']
    const refused = async (extra, v3Key, status, code, signer = signed) => {
      const report = await ex.simulate(['v3', 'pay', ...signer, ...order, ...extra], { WECHATPAY_API_V3_KEY: v3Key })
      assert.equal(report.reply_ok, false)
      assert.deepEqual([report.attempts[0].status, report.attempts[0].reply], [status, V3_REFUSAL])
      assert.match(ex.log(), new RegExp(`rejected v3 notification[^\n]*: ${code}: [^\n]*\n$`))
    }
    // A ten-minute-old timestamp, WeChat Pay's probe, another APIv3 key than the merchant's, a
    // keygen key the example does not trust.
    await refused(['--stale-timestamp'], A.v3Key, 401, 'timestamp_out_of_window')
    await refused(['--probe'], A.v3Key, 401, 'signature_probe')
    await refused([], B.v3Key, 400, 'decrypt_failed')
    await refused([], A.v3Key, 401, 'unknown_serial', ['--private-key', untrusted.privateKey, '--key-id', untrusted.keyId])
    // Genuine for the key A trusts, but for another merchant id: refused after decryption.
    await refused(['--mch-id', B.mchId], A.v3Key, 401, 'merchant_mismatch')
    withStore(ex, (store) => assert.equal(rows(store, 'payments').length, 0))

    // The genuine simulation, delivered twice: 204 with no body, recorded once, the order paid.
    let report = await ex.simulate(['v3', 'pay', ...signed, ...order, '--repeat', '2'], { WECHATPAY_API_V3_KEY: A.v3Key })
    assert.equal(report.reply_ok, true)
    assert.deepEqual(
      report.attempts.map((a) => [a.status, a.reply, a.reply_ok]),
      Array(2).fill([204, '', true]),
    )
    let tx
    withStore(ex, (store) => {
      const payments = rows(store, 'payments')
      assert.deepEqual(
        payments.map((p) => [p.merchant, p.version, p.total_fee, p.outcome]),
        [['shop-a', 'v3', 303, 'paid']],
      )
      tx = payments[0].dedupe_key
      assert.equal(store.order(A.label, 'SIM-A-3').transaction_id, tx)
    })
    // A v3 refund is recorded, not acted upon.
    report = await ex.simulate(['v3', 'refund', ...signed, ...order], { WECHATPAY_API_V3_KEY: A.v3Key })
    assert.equal(report.reply_ok, true)
    withStore(ex, (store) => {
      assert.deepEqual(
        rows(store, 'refunds').map((r) => [r.merchant, r.version, r.out_trade_no, r.refund_fee]),
        [['shop-a', 'v3', 'SIM-A-3', 303]],
      )
      assert.deepEqual([store.order(A.label, 'SIM-A-3').status, store.order(A.label, 'SIM-A-3').transaction_id], ['paid', tx])
    })
  }))

test('simulate --until-success against the fail-first switch: 500, 500, then acknowledged, paid once', async () => {
  // TEST ONLY switch: the first two requests get 500, as if the database were down.
  await withExample(
    async (ex) => {
      assert.match(ex.log(), /TEST ONLY/)
      await ex.addOrder(A.label, 'SIM-A-4', 404)
      const report = await ex.simulate(
        ['pay', '--mch-id', A.mchId, '--out-trade-no', 'SIM-A-4', '--total-fee', '404', '--until-success', '--time-scale', '0.01'],
        { WECHATPAY_API_KEY: A.v2Key },
      )
      assert.equal(report.reply_ok, true)
      // WeChat Pay's schedule (15 s, 15 s, …), compressed a hundredfold.
      assert.deepEqual(
        report.attempts.map((a) => [a.status, a.after_s, a.reply_ok]),
        [
          [500, 0, false],
          [500, 15, false],
          [200, 15, true],
        ],
      )
      assert.equal(report.attempts[0].reply, V2_REFUSAL)
      withStore(ex, (store) => {
        assert.equal(rows(store, 'payments').length, 1)
        assert.equal(store.order(A.label, 'SIM-A-4').status, 'paid')
      })
    },
    { failFirst: 2 },
  )
  // The same in APIv3: the failures are 500 with the JSON FAIL body.
  await withExample(
    async (ex) => {
      await ex.addOrder(A.label, 'SIM-A-5', 505)
      const { trusted } = deployment
      const report = await ex.simulate(
        ['v3', 'pay', '--private-key', trusted.privateKey, '--key-id', trusted.keyId, '--mch-id', A.mchId, '--out-trade-no', 'SIM-A-5']
          .concat(['--total-fee', '505', '--until-success', '--time-scale', '0.01']),
        { WECHATPAY_API_V3_KEY: A.v3Key },
      )
      assert.equal(report.reply_ok, true)
      assert.deepEqual(statuses(report), [500, 500, 204])
      assert.equal(report.attempts[0].reply, V3_REFUSAL)
      withStore(ex, (store) => {
        assert.deepEqual(
          rows(store, 'payments').map((p) => [p.version, p.outcome]),
          [['v3', 'paid']],
        )
        assert.equal(store.order(A.label, 'SIM-A-5').status, 'paid')
      })
    },
    { failFirst: 2 },
  )
})

test('the server refuses a bad configuration with exit status 2, echoing no key', async () => {
  const db = path.join(scratchDir('bad-config'), 'x.sqlite3')
  /** The deployment's profiles with `edit` applied, in a file beside it (mode 600). */
  const edited = (edit) => {
    const doc = JSON.parse(fs.readFileSync(deployment.profiles, 'utf8'))
    edit(doc)
    const file = path.join(deployment.dir, `edited-${Math.random().toString(36).slice(2)}.json`)
    fs.writeFileSync(file, JSON.stringify(doc), { mode: 0o600 })
    return file
  }
  // The APIv3 key's variable is not set; then set to a key of the wrong length; a missing file; the
  // test-only switch set to something that is not a number; a listen address without a port.
  for (const [profiles, extra, expected, args] of [
    [deployment.profiles, {}, `$${A_V3_KEY_ENV}`, ['127.0.0.1:0']],
    [deployment.profiles, { [A_V3_KEY_ENV]: 'too short' }, 'invalid_config', ['127.0.0.1:0']],
    [path.join(deployment.dir, 'missing.json'), {}, 'cannot read', ['127.0.0.1:0']],
    [deployment.profiles, { [A_V3_KEY_ENV]: A.v3Key, WECHATPAY_EXAMPLE_FAIL_FIRST: 'two' }, 'not a number', ['127.0.0.1:0']],
    [deployment.profiles, { [A_V3_KEY_ENV]: A.v3Key }, 'HOST:PORT', ['localhost']],
    // The core's loader: a misspelt setting and a v2 part without sign_type are refused (a loader
    // of its own had ignored the one and defaulted the other).
    [edited((d) => (d.profiles[1].v2.signType = 'MD5')), { [A_V3_KEY_ENV]: A.v3Key }, 'unknown v2 setting "signType"', ['127.0.0.1:0']],
    [edited((d) => delete d.profiles[1].v2.sign_type), { [A_V3_KEY_ENV]: A.v3Key }, 'sign_type', ['127.0.0.1:0']],
  ]) {
    const done = await exec(process.execPath, [SERVER, ...args], cleanEnv({ WECHATPAY_PROFILES: profiles, WECHATPAY_DB: db, ...extra }))
    assert.equal(done.code, 2, done.stderr)
    assert.ok(done.stderr.includes('configuration error') && done.stderr.includes(expected), done.stderr)
    assert.ok(!done.stderr.includes('too short') && !done.stderr.includes(A.v3Key), done.stderr)
  }
})

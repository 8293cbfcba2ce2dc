'use strict'
// One reply type for both versions, sent exactly by each framework's adapter (HttpReply#send for
// Node's http and Express, #sendKoa, #sendFastify), and the unadapted mistake (handing the reply to
// the framework as a JSON body) failing loudly with a 500, so WeChat Pay retries: tested with
// Express, Koa and Fastify themselves over loopback HTTP.
const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')

const wn = require('..')
const { HttpReply, NotifyError } = wn

const SUCCESS_XML = '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>'
const REFUSAL_XML = '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[rejected]]></return_msg></xml>'
const V3_REFUSAL = '{"code":"FAIL","message":"rejected"}'

// Every kind of reply the package makes, with what must go on the wire.
const REPLIES = {
  'v2-success': [() => wn.replyV2Success(), 200, 'text/xml', SUCCESS_XML],
  'v2-refusal': [() => wn.replyV2Fail('signature_mismatch'), 200, 'text/xml', REFUSAL_XML],
  'v2-own-failure': [() => wn.replyV2Fail(new Error('database down')), 500, 'text/xml', REFUSAL_XML],
  'v3-success': [() => wn.replyV3Success(), 204, null, ''],
  'v3-refusal': [() => wn.replyV3Fail(new NotifyError('signature_mismatch', 'm')), 401, 'application/json', V3_REFUSAL],
  'v3-own-failure': [() => wn.replyV3Fail(new Error('database down')), 500, 'application/json', V3_REFUSAL],
}

// Starts `server`, requests every reply's path, closes it; returns [name, status, content type, body].
async function fetchAll(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  const out = []
  try {
    for (const name of Object.keys(REPLIES)) {
      const r = await fetch(`http://127.0.0.1:${port}/${name}`, { method: 'POST' })
      out.push([name, r.status, r.headers.get('content-type'), await r.text()])
    }
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
  return out
}

function assertExact(got) {
  for (const [name, status, contentType, body] of got) {
    const [, wantStatus, wantType, wantBody] = REPLIES[name]
    assert.deepEqual([status, contentType, body], [wantStatus, wantType, wantBody], name)
  }
}

function assertAll500(got) {
  for (const [name, status] of got) assert.equal(status, 500, name)
}

test('one reply type with one status rule', () => {
  for (const [name, [make, status, contentType, body]] of Object.entries(REPLIES)) {
    const reply = make()
    assert.ok(reply instanceof HttpReply, name)
    assert.deepEqual(reply.toObject(), { status, contentType, body }, name)
  }
  for (const code of ['malformed_xml', 'missing_field', 'decrypt_failed', 'signature_mismatch']) {
    assert.equal(wn.replyV2Fail(code).status, 200, code)
  }
  for (const code of ['invalid_config', 'internal']) {
    assert.equal(wn.replyV2Fail(code).status, 500, code)
    assert.equal(wn.replyV3Fail(code).status, 500, code)
  }
  assert.deepEqual(wn.replyV2Fail(new Error('x')).toObject(), wn.internalErrorReply({}).toObject())
  assert.equal(wn.replyV2Success().body, wn.replySuccess())
  assert.throws(() => wn.replyV2Fail(42), TypeError)
  assert.throws(() => wn.replyV2Fail('no_such_code'), (e) => e instanceof NotifyError && e.code === 'invalid_argument')
})

test('a reply is frozen, made only by the package, and never JSON', () => {
  const reply = wn.replyV3Fail('signature_mismatch')
  assert.ok(Object.isFrozen(reply))
  assert.throws(() => {
    'use strict'
    reply.status = 200
  }, TypeError)
  assert.throws(() => new HttpReply(), TypeError)
  assert.throws(() => JSON.stringify(reply), /not a JSON body/)
  assert.throws(() => JSON.stringify({ reply }), /not a JSON body/)
  assert.equal(Object.prototype.toString.call(reply), '[object HttpReply]')
  // Inside a result's toJSON it is a plain object, so JSON.stringify(result) still works.
  assert.throws(() => reply.send({}), TypeError)
  assert.throws(() => reply.sendKoa({}), TypeError)
  assert.throws(() => reply.sendFastify({}), TypeError)
})

test("Node's http: HttpReply#send", async () => {
  const server = http.createServer((req, res) => REPLIES[req.url.slice(1)][0]().send(res))
  assertExact(await fetchAll(server))
})

test('Express: HttpReply#send, and res.json/res.send of the reply is a 500', async () => {
  const express = require('express')
  const app = express()
  for (const [name, [make]] of Object.entries(REPLIES)) app.post(`/${name}`, (req, res) => make().send(res))
  assertExact(await fetchAll(http.createServer(app)))

  const wrong = express()
  wrong.use((err, req, res, next) => next(err))
  for (const [name, [make]] of Object.entries(REPLIES)) {
    wrong.post(`/${name}`, (req, res) => (name.endsWith('success') ? res.json(make()) : res.send(make())))
  }
  const quiet = console.error
  console.error = () => {}
  try {
    assertAll500(await fetchAll(http.createServer(wrong)))
  } finally {
    console.error = quiet
  }
})

test('Koa: HttpReply#sendKoa, and ctx.body = reply is a 500', async () => {
  const Koa = require('koa')
  const app = new Koa()
  app.use((ctx) => REPLIES[ctx.path.slice(1)][0]().sendKoa(ctx))
  assertExact(await fetchAll(http.createServer(app.callback())))

  const wrong = new Koa()
  wrong.silent = true
  wrong.use((ctx) => {
    ctx.body = REPLIES[ctx.path.slice(1)][0]()
  })
  assertAll500(await fetchAll(http.createServer(wrong.callback())))
})

test('Fastify: HttpReply#sendFastify, and returning the reply is a 500', async () => {
  const fastify = require('fastify')
  const app = fastify()
  for (const [name, [make]] of Object.entries(REPLIES)) app.post(`/${name}`, (req, reply) => make().sendFastify(reply))
  await app.ready()
  for (const name of Object.keys(REPLIES)) {
    const r = await app.inject({ method: 'POST', url: `/${name}` })
    const [, status, contentType, body] = REPLIES[name]
    assert.deepEqual([r.statusCode, r.headers['content-type'] ?? null, r.body], [status, contentType, body], name)
  }
  await app.close()

  const wrong = fastify()
  for (const [name, [make]] of Object.entries(REPLIES)) {
    wrong.post(`/${name}`, async () => make())
    wrong.post(`/${name}/send`, (req, reply) => reply.send(make()))
  }
  await wrong.ready()
  for (const name of Object.keys(REPLIES)) {
    for (const url of [`/${name}`, `/${name}/send`]) {
      assert.equal((await wrong.inject({ method: 'POST', url })).statusCode, 500, url)
    }
  }
  await wrong.close()
})

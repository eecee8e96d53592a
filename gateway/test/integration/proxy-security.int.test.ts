import { connect } from 'node:net'
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { waitUntil } from '../support/fake-engine.js'
import { type ProxyFixture, post, startProxyFixture } from '../support/proxy-fixture.js'
import { seedUser } from '../support/seed.js'
import { dbTargets } from '../support/test-db.js'

const MESSAGES: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hi' }]
const CHAT = { messages: MESSAGES }
const MAX_BODY_BYTES = 4096

interface Envelope {
  error: { message: string; type: string; param: string | null; code: string | null }
}

describe.each(dbTargets())('proxy access, input and disconnects on %s', (target) => {
  let f: ProxyFixture
  let engineRequests: () => number
  beforeAll(async () => {
    f = await startProxyFixture(target, { KEYGATE_MAX_BODY_BYTES: String(MAX_BODY_BYTES) })
    engineRequests = () => f.vllm.inferenceRequests().length + f.llama.inferenceRequests().length
  })
  afterAll(async () => {
    await f?.close()
  })
  beforeEach(() => {
    f.vllm.setScript({ kind: 'normal' })
    f.llama.setScript({ kind: 'normal' })
  })

  describe('security', () => {
    it('gives a model outside the key allowlist and an unknown model the same 404, name aside', async () => {
      const before = engineRequests()
      const denied = await post(
        f,
        '/v1/chat/completions',
        { model: 'chat-llama', ...CHAT },
        { key: f.limitedKey },
      )
      const unknown = await post(
        f,
        '/v1/chat/completions',
        { model: 'no-such-model', ...CHAT },
        { key: f.limitedKey },
      )
      expect(denied.status).toBe(404)
      expect(unknown.status).toBe(404)
      const a = (await denied.json()) as Envelope
      const b = (await unknown.json()) as Envelope
      expect(a.error).toEqual({
        message: 'The model `chat-llama` does not exist or you do not have access to it.',
        type: 'invalid_request_error',
        param: null,
        code: 'model_not_found',
      })
      expect(JSON.stringify(b).replace('no-such-model', 'chat-llama')).toBe(JSON.stringify(a))
      expect(engineRequests()).toBe(before)
    })

    it('serves a logged-in session (the UI) from its cookie, and refuses it cross-site or forged', async () => {
      const user = await seedUser(f.gw.database.db)
      const login = await fetch(`${f.gw.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: user.username, password: user.password }),
      })
      expect(login.status).toBe(200)
      const cookie = login.headers.getSetCookie()[0]?.split(';')[0] ?? ''
      expect(cookie).toMatch(/^keygate_session=./)
      const call = (headers: Record<string, string>) =>
        fetch(`${f.gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ model: 'chat-vllm', ...CHAT }),
        })
      const before = engineRequests()
      const ok = await call({ cookie, 'sec-fetch-site': 'same-origin' })
      expect(ok.status).toBe(200)
      expect(((await ok.json()) as { object: string }).object).toBe('chat.completion')
      expect(engineRequests()).toBe(before + 1)

      const crossSite = await call({ cookie, 'sec-fetch-site': 'cross-site' })
      expect(crossSite.status).toBe(403)
      expect(((await crossSite.json()) as Envelope).error.message).toBe(
        'Cross-site request refused.',
      )
      const forged = await call({ cookie: 'keygate_session=not-a-session' })
      expect(forged.status).toBe(401)
      expect(((await forged.json()) as Envelope).error.message).toBe(
        'Your session is not valid; log in again.',
      )
      const anonymous = await call({})
      expect(anonymous.status).toBe(401)
      expect(((await anonymous.json()) as Envelope).error.code).toBe('missing_api_key')
      expect(engineRequests()).toBe(before + 1)
    })

    it('raises NotFoundError in the OpenAI SDK for a model the key may not use', async () => {
      const sdk = new OpenAI({ baseURL: `${f.gw.url}/v1`, apiKey: f.limitedKey, maxRetries: 0 })
      await expect(sdk.chat.completions.create({ model: 'plain', ...CHAT })).rejects.toMatchObject({
        status: 404,
        code: 'model_not_found',
      })
    })

    it('lists exactly the models a key may use on GET /v1/models', async () => {
      const all = await fetch(`${f.gw.url}/v1/models`, {
        headers: { authorization: `Bearer ${f.key}` },
      })
      const allBody = (await all.json()) as {
        object: string
        data: { id: string; object: string; owned_by: string; created: number }[]
      }
      expect(allBody.object).toBe('list')
      expect(allBody.data.map((m) => m.id).sort()).toEqual(
        ['chat-llama', 'chat-vllm', 'empty', 'plain', 'refused', 'wrong-key'].sort(),
      )
      expect(allBody.data[0]).toMatchObject({
        object: 'model',
        owned_by: 'keygate',
        created: expect.any(Number),
      })
      const sdk = new OpenAI({ baseURL: `${f.gw.url}/v1`, apiKey: f.limitedKey, maxRetries: 0 })
      const limited = []
      for await (const m of sdk.models.list()) {
        limited.push(m.id)
      }
      expect(limited).toEqual(['chat-vllm'])
    })

    it('answers GET /v1/models/{model} for an allowed model and 404 otherwise', async () => {
      const ok = await fetch(`${f.gw.url}/v1/models/chat-vllm`, {
        headers: { authorization: `Bearer ${f.limitedKey}` },
      })
      expect(ok.status).toBe(200)
      expect(await ok.json()).toMatchObject({
        id: 'chat-vllm',
        object: 'model',
        owned_by: 'keygate',
      })
      const denied = await fetch(`${f.gw.url}/v1/models/chat-llama`, {
        headers: { authorization: `Bearer ${f.limitedKey}` },
      })
      expect(denied.status).toBe(404)
      expect(((await denied.json()) as Envelope).error.code).toBe('model_not_found')
    })

    it.each([
      ['POST', '/v1/tokenize'],
      ['POST', '/tokenize'],
      ['POST', '/v1/load_lora_adapter'],
      ['GET', '/v1/slots'],
      ['POST', '/v1/pause'],
      ['GET', '/v1/chat/completions'],
      ['POST', '/v1/models'],
    ])('never passes %s %s to an engine (404)', async (method, path) => {
      const before = engineRequests()
      const res = await fetch(`${f.gw.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${f.key}`, 'content-type': 'application/json' },
        ...(method === 'POST'
          ? { body: JSON.stringify({ model: 'chat-vllm', content: 'x' }) }
          : {}),
      })
      expect(res.status).toBe(404)
      expect(((await res.json()) as Envelope).error.type).toBe('invalid_request_error')
      expect(engineRequests()).toBe(before)
    })

    it('rejects a request without a key before reaching an engine', async () => {
      const before = engineRequests()
      const res = await fetch(`${f.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat-vllm', ...CHAT }),
      })
      expect(res.status).toBe(401)
      expect(engineRequests()).toBe(before)
    })
  })

  describe('errors', () => {
    it.each([
      ['malformed JSON', '{"model": "chat-vllm",', null],
      ['a body that is not an object', '["chat-vllm"]', null],
      ['a missing model', '{"messages":[]}', 'model'],
      ['a model that is not a string', '{"model":["chat-vllm"]}', 'model'],
      ['a stream flag that is not a boolean', '{"model":"chat-vllm","stream":"yes"}', 'stream'],
    ])('answers %s with 400 invalid_request', async (_, body, param) => {
      const res = await post(f, '/v1/chat/completions', body)
      expect(res.status).toBe(400)
      expect(res.headers.get('x-request-id')).toBeTruthy()
      expect(((await res.json()) as Envelope).error).toMatchObject({
        type: 'invalid_request_error',
        code: 'invalid_request',
        param,
      })
    })

    it('answers invalid UTF-8 with 400', async () => {
      const bytes = new Uint8Array([
        ...new TextEncoder().encode('{"model":"chat-vllm","x":"'),
        0xc3,
        0x28,
        0x22,
        0x7d,
      ])
      const res = await post(f, '/v1/chat/completions', bytes)
      expect(res.status).toBe(400)
      expect(((await res.json()) as Envelope).error.message).toContain('UTF-8')
    })

    it('answers a body over KEYGATE_MAX_BODY_BYTES with 413, and keeps serving', async () => {
      const before = engineRequests()
      const big = JSON.stringify({ model: 'chat-vllm', ...CHAT, pad: 'x'.repeat(MAX_BODY_BYTES) })
      const res = await post(f, '/v1/chat/completions', big)
      expect(res.status).toBe(413)
      expect(((await res.json()) as Envelope).error.code).toBe('request_too_large')
      expect(engineRequests()).toBe(before)
      const ok = await post(f, '/v1/chat/completions', { model: 'chat-vllm', ...CHAT })
      expect(ok.status).toBe(200)
    })
  })

  describe('client disconnect', () => {
    async function inflight(): Promise<string> {
      return f.gw.deps.metrics.registry.getSingleMetricAsString('keygate_inflight_requests')
    }

    it('closes the engine connection at once when the client leaves mid-stream', async () => {
      f.vllm.setScript({ kind: 'stalled', afterFrames: 2 })
      const before = f.vllm.requests.length
      const abort = new AbortController()
      const res = await post(
        f,
        '/v1/chat/completions',
        { model: 'chat-vllm', stream: true, ...CHAT },
        { signal: abort.signal },
      )
      const reader = res.body?.getReader()
      const first = await reader?.read()
      expect(first?.done).toBe(false)
      abort.abort()
      await waitUntil(
        () => f.vllm.requests[before]?.clientClosed === true,
        5_000,
        'engine socket closed',
      )
      expect(f.vllm.requests[before]?.completed).toBe(false)
      await expect.poll(inflight).toMatch(/keygate_inflight_requests\{model="chat-vllm"\} 0/)
    })

    it('ends the request when a client that stopped reading a large answer leaves (backpressure)', async () => {
      // 8 MiB of JSON, relayed as it arrives (over the whole-answer limit), to a client that reads nothing: the
      // relay has paused the engine when the client goes away.
      f.vllm.setScript({ kind: 'normal', padBytes: 8 * 1024 * 1024 })
      const before = f.vllm.requests.length
      const logsBefore = f.logs.length
      const body = JSON.stringify({ model: 'chat-vllm', ...CHAT })
      const socket = connect(f.gw.server.port, '127.0.0.1')
      socket.pause()
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${f.key}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      )
      await waitUntil(() => f.vllm.requests.length > before, 5_000, 'engine got the request')
      await new Promise((resolve) => setTimeout(resolve, 300)) // buffers fill up; the relay pauses
      socket.destroy()
      // (The engine may have written all 8 MiB into the loopback buffers already, so its side is not checked.)
      await expect.poll(inflight).toMatch(/keygate_inflight_requests\{model="chat-vllm"\} 0/)
      await expect
        .poll(() => f.logs.slice(logsBefore).find((l) => l.msg === 'request done'))
        .toMatchObject({ status: 499, outcome: 'client_abort' })
    })

    it.each([true, false])(
      'closes the engine connection when the client leaves before the first byte (stream=%s)',
      async (stream) => {
        f.llama.setScript({ kind: 'no_headers' })
        const before = f.llama.requests.length
        const abort = new AbortController()
        const pending = post(
          f,
          '/v1/chat/completions',
          { model: 'chat-llama', stream, ...CHAT },
          { signal: abort.signal },
        )
        await waitUntil(() => f.llama.requests.length > before, 5_000, 'engine got the request')
        abort.abort()
        await expect(pending).rejects.toThrow()
        await waitUntil(
          () => f.llama.requests[before]?.clientClosed === true,
          5_000,
          'engine socket closed',
        )
        await expect.poll(inflight).toMatch(/keygate_inflight_requests\{model="chat-llama"\} 0/)
      },
    )

    it('closes the engine connection when a client that uploaded chunked leaves before the first byte', async () => {
      // A body without content-length takes another path through the body limit (a rebuilt Request).
      f.vllm.setScript({ kind: 'no_headers' })
      const before = f.vllm.requests.length
      const abort = new AbortController()
      const bytes = new TextEncoder().encode(JSON.stringify({ model: 'chat-vllm', ...CHAT }))
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes)
          controller.close()
        },
      })
      const pending = fetch(`${f.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${f.key}`, 'content-type': 'application/json' },
        body,
        duplex: 'half',
        signal: abort.signal,
      } as RequestInit)
      await waitUntil(() => f.vllm.requests.length > before, 5_000, 'engine got the request')
      expect(f.vllm.requests[before]?.body.toString()).toContain('"org/vllm-8b"')
      abort.abort()
      await expect(pending).rejects.toThrow()
      await waitUntil(
        () => f.vllm.requests[before]?.clientClosed === true,
        5_000,
        'engine socket closed',
      )
    })

    it('leaves the engine connection alone for a request that completes', async () => {
      const before = f.vllm.requests.length
      const res = await post(f, '/v1/chat/completions', {
        model: 'chat-vllm',
        stream: true,
        ...CHAT,
      })
      await res.text()
      await waitUntil(() => f.vllm.requests[before]?.completed === true, 5_000, 'engine finished')
      expect(f.vllm.requests[before]?.clientClosed).toBe(false)
    })
  })
})

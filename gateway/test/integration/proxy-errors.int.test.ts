import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Behaviour, ENGINE_ERRORS, waitUntil } from '../support/fake-engine.js'
import { type ProxyFixture, post, startProxyFixture } from '../support/proxy-fixture.js'
import { dbTargets } from '../support/test-db.js'

const CHAT = { messages: [{ role: 'user', content: 'hi' }] }
const TIMEOUT_MS = 400

interface Envelope {
  error: { message: string; type: string; param: string | null; code: string | null }
}

function frames(text: string): string[] {
  return text
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => f.slice(6))
}

describe.each(dbTargets())('proxy upstream errors on %s', (target) => {
  let f: ProxyFixture
  beforeAll(async () => {
    f = await startProxyFixture(target, {
      KEYGATE_UPSTREAM_HEADERS_TIMEOUT_MS: String(TIMEOUT_MS),
      KEYGATE_UPSTREAM_IDLE_TIMEOUT_MS: String(TIMEOUT_MS),
    })
  })
  afterAll(async () => {
    await f?.close()
  })
  beforeEach(() => {
    f.vllm.setScript({ kind: 'normal' })
    f.llama.setScript({ kind: 'normal' })
  })

  async function callWith(engine: 'vllm' | 'llama', behaviour: Behaviour, stream = false) {
    f[engine].setScript(behaviour)
    const model = engine === 'vllm' ? 'chat-vllm' : 'chat-llama'
    return post(f, '/v1/chat/completions', { model, stream, ...CHAT })
  }

  describe('errors before the stream', () => {
    it("keeps vLLM's 400 context-too-long with its message, in OpenAI's envelope", async () => {
      const res = await callWith('vllm', ENGINE_ERRORS.vllmContextTooLong, true)
      expect(res.status).toBe(400)
      expect(res.headers.get('x-request-id')).toBeTruthy()
      const body = (await res.json()) as Envelope
      expect(body.error).toEqual({
        message: expect.stringContaining("This model's maximum context length is 8192 tokens"),
        type: 'invalid_request_error',
        param: 'input_tokens',
        code: 'context_length_exceeded',
      })
    })

    it("keeps llama.cpp's 400 exceed_context_size_error as context_length_exceeded", async () => {
      const res = await callWith('llama', ENGINE_ERRORS.llamaContextTooLong)
      expect(res.status).toBe(400)
      expect(((await res.json()) as Envelope).error).toMatchObject({
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        message: expect.stringContaining('exceeds the available context size'),
      })
    })

    it("keeps vLLM's 404 as model_not_found", async () => {
      const res = await callWith('vllm', ENGINE_ERRORS.vllmNotFound)
      expect(res.status).toBe(404)
      expect(((await res.json()) as Envelope).error.code).toBe('model_not_found')
    })

    it("turns the engine refusing the gateway's key into 502 without 'Unauthorized'", async () => {
      const res = await post(f, '/v1/chat/completions', { model: 'wrong-key', ...CHAT })
      expect(res.status).toBe(502)
      const text = await res.text()
      expect(text).not.toContain('Unauthorized')
      expect((JSON.parse(text) as Envelope).error.code).toBe('upstream_error')
    })

    it('turns an engine 500 into 502 upstream_error', async () => {
      const res = await callWith('vllm', ENGINE_ERRORS.vllmInternal)
      expect(res.status).toBe(502)
      expect(((await res.json()) as Envelope).error).toMatchObject({
        code: 'upstream_error',
        type: 'server_error',
      })
    })

    it('turns a non-JSON engine answer into 502', async () => {
      const res = await callWith('vllm', ENGINE_ERRORS.notJson)
      expect(res.status).toBe(502)
      expect(((await res.json()) as Envelope).error.code).toBe('upstream_error')
    })

    it("passes llama.cpp's 503 Loading model through with Retry-After", async () => {
      const res = await callWith('llama', ENGINE_ERRORS.llamaLoading)
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
      const body = (await res.json()) as Envelope
      expect(body.error.code).toBe('upstream_unavailable')
      expect(body.error.message).toContain('Loading model')
    })

    it('answers 503 with Retry-After once the only instance is known to refuse connections', async () => {
      // The 502 of the request that finds it refusing is in upstream-routing.int.test.ts.
      const url = f.gw.deps.models.listAll().find((m) => m.name === 'refused')?.instances[0]?.url
      await waitUntil(() => f.gw.deps.upstreams.healthOf(url ?? '') === 'unhealthy')
      const res = await post(f, '/v1/chat/completions', { model: 'refused', ...CHAT })
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(((await res.json()) as Envelope).error.code).toBe('upstream_unavailable')
    })

    it('answers 503 with Retry-After when the model has no instance', async () => {
      const res = await post(f, '/v1/chat/completions', { model: 'empty', ...CHAT })
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(((await res.json()) as Envelope).error.code).toBe('upstream_unavailable')
    })

    it('answers 504 when the engine sends no headers in time, and closes that connection', async () => {
      const before = f.llama.requests.length
      const res = await callWith('llama', { kind: 'no_headers' }, true)
      expect(res.status).toBe(504)
      expect(((await res.json()) as Envelope).error.code).toBe('upstream_timeout')
      const rec = f.llama.requests[before]
      expect(rec?.completed).toBe(false)
    })
  })

  describe('errors mid-stream', () => {
    it('sends one error frame and [DONE] when the engine goes quiet past the idle timeout', async () => {
      const res = await callWith('vllm', { kind: 'stalled', afterFrames: 2 }, true)
      expect(res.status).toBe(200)
      const data = frames(await res.text())
      expect(data).toHaveLength(4)
      expect(JSON.parse(data[2] ?? '')).toMatchObject({
        error: { code: 'upstream_timeout', type: 'server_error' },
      })
      expect(data[3]).toBe('[DONE]')
    })

    it('sends one error frame and [DONE] when the engine socket is destroyed mid-stream', async () => {
      const res = await callWith('llama', { kind: 'destroy_mid_stream', afterFrames: 2 }, true)
      expect(res.status).toBe(200)
      const data = frames(await res.text())
      expect(JSON.parse(data.at(-2) ?? '')).toMatchObject({ error: { code: 'upstream_error' } })
      expect(data.at(-1)).toBe('[DONE]')
      expect(data.filter((d) => d.includes('"error"'))).toHaveLength(1)
    })

    it("relays vLLM's error frame and its single [DONE]", async () => {
      const res = await callWith('vllm', { kind: 'error_mid_stream', afterFrames: 2 }, true)
      const data = frames(await res.text())
      expect(data.at(-2)).toContain('"InternalServerError"')
      expect(data.filter((d) => d === '[DONE]')).toHaveLength(1)
      expect(data.at(-1)).toBe('[DONE]')
    })

    it('adds the [DONE] that llama.cpp omits after its error frame', async () => {
      const res = await callWith('llama', { kind: 'error_mid_stream', afterFrames: 2 }, true)
      const text = await res.text()
      expect(text).toMatch(
        /data: \{"error":\{"code":500,"message":"[^"]*","type":"server_error"\}\}\n\ndata: \[DONE\]\n\n$/,
      )
    })

    it('keeps serving after upstream failures', async () => {
      const res = await post(f, '/v1/chat/completions', { model: 'chat-vllm', ...CHAT })
      expect(res.status).toBe(200)
    })
  })
})

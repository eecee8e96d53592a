import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_TOKENS, FAKE_PROMPT_TOKENS } from '../support/fake-engine.js'
import {
  ENGINE_API_KEY,
  type ProxyFixture,
  post,
  readChunks,
  startProxyFixture,
} from '../support/proxy-fixture.js'
import { dbTargets } from '../support/test-db.js'

const MESSAGES: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hi' }]
const CHAT = { messages: MESSAGES }

function dataFrames(text: string): string[] {
  return text
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => f.slice(6))
}

describe.each(dbTargets())('proxy streaming and forwarding on %s', (target) => {
  let f: ProxyFixture
  let sdk: OpenAI
  beforeAll(async () => {
    f = await startProxyFixture(target)
    sdk = new OpenAI({ baseURL: `${f.gw.url}/v1`, apiKey: f.key, maxRetries: 0 })
  })
  afterAll(async () => {
    await f?.close()
  })
  beforeEach(() => {
    f.vllm.setScript({ kind: 'normal' })
    f.llama.setScript({ kind: 'normal' })
  })

  describe('happy', () => {
    it.each(['chat-vllm', 'chat-llama'])(
      'streams a chat completion through the OpenAI SDK (%s)',
      async (model) => {
        const stream = await sdk.chat.completions.create({ model, stream: true, ...CHAT })
        let text = ''
        let chunks = 0
        for await (const chunk of stream) {
          chunks++
          text += chunk.choices[0]?.delta?.content ?? ''
        }
        expect(text).toBe(DEFAULT_TOKENS.join(''))
        expect(chunks).toBeGreaterThanOrEqual(DEFAULT_TOKENS.length)
      },
    )

    it.each(['chat-vllm', 'chat-llama'])(
      'answers a non-streaming chat completion with usage (%s)',
      async (model) => {
        const res = await sdk.chat.completions.create({ model, ...CHAT })
        expect(res.choices[0]?.message.content).toBe(DEFAULT_TOKENS.join(''))
        expect(res.usage?.prompt_tokens).toBe(FAKE_PROMPT_TOKENS)
      },
    )

    it('serves completions and embeddings through the SDK', async () => {
      const completion = await sdk.completions.create({ model: 'chat-vllm', prompt: 'hi' })
      expect(completion.choices[0]?.text).toBe(DEFAULT_TOKENS.join(''))
      const streamed = await sdk.completions.create({
        model: 'chat-vllm',
        prompt: 'hi',
        stream: true,
      })
      let text = ''
      for await (const c of streamed) {
        text += c.choices[0]?.text ?? ''
      }
      expect(text).toBe(DEFAULT_TOKENS.join(''))
      const emb = await sdk.embeddings.create({
        model: 'plain',
        input: ['a', 'b'],
        encoding_format: 'float',
      })
      expect(emb.data).toHaveLength(2)
      expect(emb.data[0]?.embedding).toEqual([0.125, -0.5, 0.25, 1])
    })

    it('proxies /v1/rerank', async () => {
      const res = await post(f, '/v1/rerank', { model: 'plain', query: 'q', documents: ['a', 'b'] })
      expect(res.status).toBe(200)
      expect(((await res.json()) as { results: unknown[] }).results).toHaveLength(2)
    })

    it('relays frames as separate reads when the engine sends them with a gap', async () => {
      f.vllm.setScript({ kind: 'slow', gapMs: 40 })
      const res = await post(f, '/v1/chat/completions', {
        model: 'chat-vllm',
        stream: true,
        ...CHAT,
      })
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      const chunks = await readChunks(res)
      // The engine waits before each token frame, so the role frame and the first three tokens each arrive
      // alone; the last token, the (cut) usage frame and [DONE] are written back to back.
      const frames = chunks.map((c) => dataFrames(c).length)
      expect(frames.slice(0, 4)).toEqual([1, 1, 1, 1])
      expect(frames.reduce((a, b) => a + b, 0)).toBe(1 + DEFAULT_TOKENS.length + 1)
      expect(chunks.join('')).toMatch(/data: \[DONE\]\n\n$/)
    })

    it('sends the 200 as soon as vLLM does, before the first token (prefill)', async () => {
      f.vllm.setScript({ kind: 'stalled', afterFrames: 0 })
      const client = new AbortController()
      const headersIn = post(
        f,
        '/v1/chat/completions',
        { model: 'chat-vllm', stream: true, ...CHAT },
        {
          signal: client.signal,
        },
      )
      const tooLate = new Promise<'no headers'>((resolve) =>
        setTimeout(() => resolve('no headers'), 2_000),
      )
      const res = await Promise.race([headersIn, tooLate])
      client.abort()
      expect(res).not.toBe('no headers')
      expect((res as Response).status).toBe(200)
      expect((res as Response).headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    })

    it("keeps llama.cpp's exact content type", async () => {
      const res = await post(f, '/v1/chat/completions', {
        model: 'chat-llama',
        stream: true,
        ...CHAT,
      })
      expect(res.headers.get('content-type')).toBe('text/event-stream')
      await res.text()
    })

    it.each(['chat-vllm', 'chat-llama'])(
      'does not leak the injected usage frame to a client that did not ask (%s)',
      async (model) => {
        const res = await post(f, '/v1/chat/completions', { model, stream: true, ...CHAT })
        const text = await res.text()
        expect(text).not.toContain('"usage"')
        expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
        const sent = JSON.parse(
          (model === 'chat-vllm' ? f.vllm : f.llama).requests.at(-1)?.body.toString() ?? '{}',
        )
        expect(sent.stream_options).toEqual({ include_usage: true })
      },
    )

    it.each(['chat-vllm', 'chat-llama'])(
      'passes the usage frame to a client that asked (%s)',
      async (model) => {
        const res = await post(f, '/v1/chat/completions', {
          model,
          stream: true,
          stream_options: { include_usage: true },
          ...CHAT,
        })
        const frames = dataFrames(await res.text())
        const usage = frames
          .map((d) => (d === '[DONE]' ? {} : JSON.parse(d)))
          .find((j) => j.usage !== undefined)
        expect(usage?.choices).toEqual([])
        expect(usage?.usage.prompt_tokens).toBe(FAKE_PROMPT_TOKENS)
        expect(frames.at(-1)).toBe('[DONE]')
      },
    )

    it('counts the tokens of a streamed request in /metrics', async () => {
      const res = await post(f, '/v1/chat/completions', {
        model: 'chat-llama',
        stream: true,
        ...CHAT,
      })
      await res.text()
      const metrics =
        await f.gw.deps.metrics.registry.getSingleMetricAsString('keygate_tokens_total')
      expect(metrics).toMatch(/keygate_tokens_total\{model="chat-llama",kind="prompt"\} \d+/)
    })
  })

  describe('access log', () => {
    function accessLines(requestId: string | null) {
      return f.logs.filter((l) => l.requestId === requestId && l.msg === 'request done')
    }

    it('writes one access line when a stream ends, with time to first token and tokens', async () => {
      const res = await post(f, '/v1/chat/completions', {
        model: 'chat-vllm',
        stream: true,
        ...CHAT,
      })
      await res.text()
      const id = res.headers.get('x-request-id')
      await expect.poll(() => accessLines(id).length).toBe(1)
      expect(accessLines(id)[0]).toMatchObject({
        status: 200,
        path: '/v1/chat/completions',
        model: 'chat-vllm',
        outcome: 'completed',
        ttftMs: expect.any(Number),
        promptTokens: FAKE_PROMPT_TOKENS,
        completionTokens: DEFAULT_TOKENS.length,
      })
      expect(JSON.stringify(accessLines(id)[0])).not.toContain(f.key)
    })

    it('takes the usage of a non-streaming answer from its body', async () => {
      const res = await post(f, '/v1/embeddings', { model: 'plain', input: 'x' })
      await res.text()
      const id = res.headers.get('x-request-id')
      await expect.poll(() => accessLines(id).length).toBe(1)
      expect(accessLines(id)[0]).toMatchObject({ status: 200, promptTokens: FAKE_PROMPT_TOKENS })
    })

    it('writes one access line for an engine error', async () => {
      f.vllm.setScript({ kind: 'status', status: 500, body: '{}' })
      const res = await post(f, '/v1/chat/completions', { model: 'chat-vllm', ...CHAT })
      expect(res.status).toBe(502)
      await res.text()
      const id = res.headers.get('x-request-id')
      await expect.poll(() => accessLines(id).length).toBe(1)
      expect(accessLines(id)[0]).toMatchObject({ status: 502, model: 'chat-vllm' })
    })
  })

  describe('forwarding', () => {
    it('rewrites model to upstream_model_name and leaves every other byte as sent', async () => {
      const raw =
        '{ "messages" : [{"role":"user","content":"caf\\u00e9"}],\n "model":"chat-vllm", "temperature": 1.0 }'
      const res = await post(f, '/v1/chat/completions', raw)
      expect(res.status).toBe(200)
      await res.text()
      const sent = f.vllm.requests.at(-1)?.body.toString()
      expect(sent).toBe(raw.replace('"chat-vllm"', '"org/vllm-8b"'))
    })

    it('sends the client bytes unchanged when the model needs no rename and the call does not stream', async () => {
      const raw = '{"model":"plain",  "prompt":"x", "max_tokens": 5}'
      const res = await post(f, '/v1/completions', raw)
      await res.text()
      expect(f.vllm.requests.at(-1)?.body.toString()).toBe(raw)
    })

    it('adds stream_options only to streaming requests', async () => {
      await (
        await post(f, '/v1/chat/completions', { model: 'plain', stream: false, ...CHAT })
      ).text()
      expect(JSON.parse(f.vllm.requests.at(-1)?.body.toString() ?? '')).not.toHaveProperty(
        'stream_options',
      )
      await (
        await post(f, '/v1/chat/completions', { model: 'plain', stream: true, ...CHAT })
      ).text()
      expect(JSON.parse(f.vllm.requests.at(-1)?.body.toString() ?? '').stream_options).toEqual({
        include_usage: true,
      })
    })

    it("strips the client's credentials, sends the instance key and the request id", async () => {
      const res = await post(
        f,
        '/v1/chat/completions',
        { model: 'chat-vllm', ...CHAT },
        {
          headers: {
            cookie: 'keygate_session=abc',
            'x-api-key': f.key, // the same key both ways is one credential (different ones: a 401)
            'x-request-id': 'trace-123',
            'proxy-authorization': 'Basic eA==',
          },
        },
      )
      expect(res.status).toBe(200)
      expect(res.headers.get('x-request-id')).toBe('trace-123')
      await res.text()
      const seen = f.vllm.requests.at(-1)?.headers ?? {}
      expect(seen.authorization).toBe(`Bearer ${ENGINE_API_KEY}`)
      expect(seen.cookie).toBeUndefined()
      expect(seen['x-api-key']).toBeUndefined()
      expect(seen['proxy-authorization']).toBeUndefined()
      expect(seen['x-request-id']).toBe('trace-123')
      expect(seen['content-type']).toBe('application/json')
    })

    it('generates a request id when the client sends none, and sends that one upstream', async () => {
      const res = await post(f, '/v1/chat/completions', { model: 'chat-llama', ...CHAT })
      await res.text()
      const id = res.headers.get('x-request-id')
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      expect(f.llama.requests.at(-1)?.headers['x-request-id']).toBe(id)
    })
  })
})

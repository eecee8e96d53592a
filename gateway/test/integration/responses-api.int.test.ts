import { sql } from 'kysely'
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_TOKENS, FAKE_PROMPT_TOKENS, waitUntil } from '../support/fake-engine.js'
import {
  addUsageKeyAndChatOnlyModel,
  type ProxyFixture,
  post,
  rejectionOf,
  startProxyFixture,
} from '../support/proxy-fixture.js'
import { dbTargets } from '../support/test-db.js'

/**
 * OpenAI's Responses API through the gateway, with the official OpenAI SDK as the client, against the fake vLLM
 * (`chat-vllm`) and llama.cpp (`chat-llama`): a stateless pass-through with the chat guarantees; requests that
 * name stored state are refused with a 400 that says why.
 */

type Envelope = {
  error: { message: string; type: string; param: string | null; code: string | null }
}

describe.each(dbTargets())('Responses API on %s', (target) => {
  let f: ProxyFixture
  let sdk: OpenAI
  let usageKey: string
  let usageKeyId: number

  const caught = (promise: Promise<unknown>) => rejectionOf(OpenAI.APIError, promise)

  const lastEngineRequest = (engine: 'vllm' | 'llama') => f[engine].inferenceRequests().at(-1)

  async function streamedText(client: OpenAI, model: string) {
    const stream = await client.responses.create({ model, input: 'Hi', stream: true })
    let text = ''
    let usage: OpenAI.Responses.ResponseUsage | undefined
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') {
        text += event.delta
      } else if (event.type === 'response.completed') {
        usage = event.response.usage
      }
    }
    return { text, usage }
  }

  beforeAll(async () => {
    f = await startProxyFixture(target)
    sdk = new OpenAI({ baseURL: `${f.gw.url}/v1`, apiKey: f.key, maxRetries: 0 })
    const key = await addUsageKeyAndChatOnlyModel(f)
    usageKey = key.value
    usageKeyId = key.id
  })
  afterAll(async () => {
    await f?.close()
  })
  beforeEach(() => {
    f.vllm.setScript({ kind: 'normal' })
    f.llama.setScript({ kind: 'normal' })
  })

  describe('happy', () => {
    it.each([
      ['chat-vllm', 'vllm'],
      ['chat-llama', 'llama'],
    ] as const)('answers responses.create through the OpenAI SDK (%s)', async (model, engine) => {
      const res = await sdk.responses.create({ model, input: 'Hi' })
      expect(res.output_text).toBe(DEFAULT_TOKENS.join(''))
      expect(res.usage?.input_tokens).toBe(FAKE_PROMPT_TOKENS)
      expect(res.usage?.output_tokens).toBe(DEFAULT_TOKENS.length)
      expect(lastEngineRequest(engine)?.path).toBe('/v1/responses')
    })

    it.each([
      ['chat-vllm', 'vllm'],
      ['chat-llama', 'llama'],
    ] as const)('streams a response through the OpenAI SDK (%s)', async (model, engine) => {
      const { text, usage } = await streamedText(sdk, model)
      expect(text).toBe(DEFAULT_TOKENS.join(''))
      expect(usage?.output_tokens).toBe(DEFAULT_TOKENS.length)
      const sent = JSON.parse(lastEngineRequest(engine)?.body.toString() ?? '{}')
      expect(sent.stream_options).toBeUndefined() // the Responses API has no include_usage to inject
    })

    it('relays the event stream byte for byte, with nothing added', async () => {
      const res = await post(f, '/v1/responses', { model: 'chat-llama', input: 'Hi', stream: true })
      const received = await res.text()
      expect(received).toBe(Buffer.concat(lastEngineRequest('llama')?.sent ?? []).toString('utf8'))
      expect(received).not.toContain('[DONE]')
    })

    it('passes store through: the engine may keep the response, stateless clients are unaffected', async () => {
      const res = await sdk.responses.create({ model: 'chat-vllm', input: 'Hi', store: true })
      expect(res.output_text).toBe(DEFAULT_TOKENS.join(''))
      expect(JSON.parse(lastEngineRequest('vllm')?.body.toString() ?? '{}').store).toBe(true)
    })

    it('records usage per key and model from the answer and from response.completed', async () => {
      const own = new OpenAI({ baseURL: `${f.gw.url}/v1`, apiKey: usageKey, maxRetries: 0 })
      await own.responses.create({ model: 'chat-llama', input: 'Hi' })
      await streamedText(own, 'chat-llama')
      await streamedText(own, 'chat-vllm')
      await f.gw.deps.usage.flush()
      const rows = await sql<{
        model: string
        requests: number
        prompt: number
        completion: number
      }>`
        select model, requests, prompt_tokens as prompt, completion_tokens as completion from usage_daily
        where api_key_id = ${usageKeyId} order by model`.execute(f.gw.database.db)
      expect(rows.rows.map((r) => ({ ...r }))).toEqual([
        {
          model: 'chat-llama',
          requests: 2,
          prompt: 2 * FAKE_PROMPT_TOKENS,
          completion: 2 * DEFAULT_TOKENS.length,
        },
        {
          model: 'chat-vllm',
          requests: 1,
          prompt: FAKE_PROMPT_TOKENS,
          completion: DEFAULT_TOKENS.length,
        },
      ])
    })
  })

  describe('stored state', () => {
    it.each([
      ['previous_response_id', { previous_response_id: 'resp_abc' }],
      ['conversation', { conversation: 'conv_abc' }],
      ['background', { background: true }],
    ] as const)(
      'refuses %s with a 400 that says why, without asking an engine',
      async (param, extra) => {
        const before = f.vllm.inferenceRequests().length
        const err = await caught(
          sdk.responses.create({ model: 'chat-vllm', input: 'Hi', ...extra }),
        )
        expect(err).toBeInstanceOf(OpenAI.BadRequestError)
        const body = err.error as Envelope['error']
        expect(body.param).toBe(param)
        expect(body.code).toBe('invalid_request')
        expect(body.message).toContain('keeps no Responses state')
        expect(f.vllm.inferenceRequests().length).toBe(before)
      },
    )

    it('answers the stored-response routes with the same 400', async () => {
      for (const call of [
        () => sdk.responses.retrieve('resp_abc'),
        () => sdk.responses.delete('resp_abc'),
        () => sdk.responses.cancel('resp_abc'),
        () => sdk.responses.inputItems.list('resp_abc'),
      ]) {
        const err = await caught(call())
        expect(err).toBeInstanceOf(OpenAI.BadRequestError)
        expect((err.error as Envelope['error']).message).toContain(
          'Stored responses are not available',
        )
      }
    })

    it('still wants a key for them', async () => {
      const res = await fetch(`${f.gw.url}/v1/responses/resp_abc`)
      expect(res.status).toBe(401)
    })
  })

  describe('errors', () => {
    it('answers in the OpenAI envelope: 401, 404 for unknown and not-allowed models alike', async () => {
      const wrong = new OpenAI({
        baseURL: `${f.gw.url}/v1`,
        apiKey: 'not-a-key-at-all-x',
        maxRetries: 0,
      })
      expect(
        await caught(wrong.responses.create({ model: 'chat-vllm', input: 'Hi' })),
      ).toBeInstanceOf(OpenAI.AuthenticationError)
      const limited = new OpenAI({ baseURL: `${f.gw.url}/v1`, apiKey: f.limitedKey, maxRetries: 0 })
      const denied = await caught(limited.responses.create({ model: 'chat-llama', input: 'Hi' }))
      const unknown = await caught(sdk.responses.create({ model: 'nope', input: 'Hi' }))
      for (const err of [denied, unknown]) {
        expect(err).toBeInstanceOf(OpenAI.NotFoundError)
        expect((err.error as Envelope['error']).code).toBe('model_not_found')
      }
    })

    it('refuses a model whose engine does not serve /v1/responses, without asking it', async () => {
      const before = f.vllm.inferenceRequests().length
      const err = await caught(sdk.responses.create({ model: 'chat-only', input: 'Hi' }))
      expect(err).toBeInstanceOf(OpenAI.NotFoundError)
      expect((err.error as Envelope['error']).code).toBe('unsupported_route')
      expect(f.vllm.inferenceRequests().length).toBe(before)
    })
  })

  describe('streams that end early', () => {
    it('aborts the engine when the client disconnects mid-stream', async () => {
      f.llama.setScript({ kind: 'slow', gapMs: 200, tokens: ['a', 'b', 'c', 'd', 'e', 'f'] })
      const stream = await sdk.responses.create({ model: 'chat-llama', input: 'Hi', stream: true })
      for await (const event of stream) {
        if (event.type === 'response.output_text.delta') {
          stream.controller.abort()
        }
      }
      await waitUntil(
        () => lastEngineRequest('llama')?.clientClosed === true,
        5_000,
        'engine abort',
      )
    })

    it('ends a stream whose engine connection broke with an error event the SDK raises', async () => {
      f.vllm.setScript({ kind: 'destroy_mid_stream', afterFrames: 5 })
      const res = await post(f, '/v1/responses', { model: 'chat-vllm', input: 'Hi', stream: true })
      const last = (await res.text()).trimEnd().split('\n\n').at(-1) ?? ''
      expect(last.split('\n')[0]).toBe('event: error')
      const data = JSON.parse(last.split('\n')[1]?.slice(6) ?? '{}')
      expect(data).toMatchObject({
        type: 'error',
        code: 'upstream_error',
        error: { type: 'server_error', code: 'upstream_error' },
      })

      f.vllm.setScript({ kind: 'destroy_mid_stream', afterFrames: 5 })
      const err = await caught(streamedText(sdk, 'chat-vllm'))
      expect(err.message).toMatch(/could not be reached or closed the connection/)
    })

    it("passes llama.cpp's own error frame through unchanged and counts the request as failed", async () => {
      f.llama.setScript({ kind: 'error_mid_stream', afterFrames: 5, message: 'slot failed' })
      const res = await post(f, '/v1/responses', { model: 'chat-llama', input: 'Hi', stream: true })
      const id = res.headers.get('x-request-id')
      const text = await res.text()
      expect(text).toBe(Buffer.concat(lastEngineRequest('llama')?.sent ?? []).toString('utf8'))
      await expect
        .poll(() => f.logs.find((l) => l.requestId === id && l.msg === 'request done'))
        .toMatchObject({ path: '/v1/responses', status: 502, outcome: 'engine_error' })

      f.llama.setScript({ kind: 'error_mid_stream', afterFrames: 5, message: 'slot failed' })
      expect((await caught(streamedText(sdk, 'chat-llama'))).message).toContain('slot failed')
    })
  })
})

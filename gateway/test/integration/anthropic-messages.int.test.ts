import Anthropic from '@anthropic-ai/sdk'
import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  DEFAULT_TOKENS,
  ENGINE_ERRORS,
  FAKE_PROMPT_TOKENS,
  waitUntil,
} from '../support/fake-engine.js'
import {
  addUsageKeyAndChatOnlyModel,
  ENGINE_API_KEY,
  type ProxyFixture,
  rejectionOf,
  startProxyFixture,
} from '../support/proxy-fixture.js'
import { seedKey, seedUser } from '../support/seed.js'
import { dbTargets } from '../support/test-db.js'

/**
 * Anthropic's Messages API through the gateway, with the official Anthropic SDK as the client, against the fake
 * vLLM (`chat-vllm`, upstream name `org/vllm-8b`) and llama.cpp (`chat-llama`): the same keys, scopes,
 * allowlists, usage, access log and failure handling as chat, errors in Anthropic's envelope, streams relayed
 * byte for byte.
 */

const MESSAGES: Anthropic.MessageParam[] = [{ role: 'user', content: 'Hi' }]
/** A small body limit, so a 413 needs only a 70 KB request. */
const MAX_BODY_BYTES = 64 * 1024

type ErrorBody = { type: string; error: { type: string; message: string }; request_id: string }

describe.each(dbTargets())('Anthropic Messages API on %s', (target) => {
  let f: ProxyFixture
  let sdk: Anthropic
  /** A key of its own, so its usage rows are exactly this file's calls. */
  let usageKey: string
  let usageKeyId: number
  let managementOnlyKey: string

  const client = (options: { apiKey?: string | null; authToken?: string | null } = {}) =>
    new Anthropic({
      baseURL: f.gw.url,
      apiKey: options.apiKey === undefined ? f.key : options.apiKey,
      authToken: options.authToken ?? null,
      maxRetries: 0,
    })

  const caught = (promise: Promise<unknown>) => rejectionOf(Anthropic.APIError, promise)

  /** A raw POST to /v1/messages with the key as x-api-key (a string body is sent as it is), to see the bytes. */
  const postMessages = (body: string | Record<string, unknown>) =>
    fetch(`${f.gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': f.key, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })

  const lastEngineRequest = (engine: 'vllm' | 'llama') => f[engine].inferenceRequests().at(-1)

  beforeAll(async () => {
    f = await startProxyFixture(target, { KEYGATE_MAX_BODY_BYTES: String(MAX_BODY_BYTES) })
    sdk = client()
    const key = await addUsageKeyAndChatOnlyModel(f)
    usageKey = key.value
    usageKeyId = key.id
    const owner = await seedUser(f.gw.database.db)
    managementOnlyKey = (
      await seedKey(f.gw.database.db, { userId: owner.id, scope: ['management'] })
    ).value
    await f.gw.deps.changes.catchUp()
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
    ] as const)('answers messages.create through the Anthropic SDK (%s)', async (model, engine) => {
      const msg = await sdk.messages.create({ model, max_tokens: 64, messages: MESSAGES })
      expect(msg.type).toBe('message')
      expect(msg.content).toEqual([{ type: 'text', text: DEFAULT_TOKENS.join('') }])
      expect(msg.usage.output_tokens).toBe(DEFAULT_TOKENS.length)
      const seen = lastEngineRequest(engine)
      expect(seen?.path).toBe('/v1/messages')
      expect(seen?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      expect(seen?.headers['x-api-key']).toBeUndefined()
      expect(seen?.headers.authorization).toBe(
        engine === 'vllm' ? `Bearer ${ENGINE_API_KEY}` : undefined,
      )
    })

    it.each([
      ['chat-vllm', 'vllm'],
      ['chat-llama', 'llama'],
    ] as const)('streams a message through the Anthropic SDK (%s)', async (model, engine) => {
      const stream = sdk.messages.stream({ model, max_tokens: 64, messages: MESSAGES })
      let text = ''
      stream.on('text', (delta) => {
        text += delta
      })
      const final = await stream.finalMessage()
      expect(text).toBe(DEFAULT_TOKENS.join(''))
      expect(final.stop_reason).toBe('end_turn')
      expect(final.usage.output_tokens).toBe(DEFAULT_TOKENS.length)
      expect(lastEngineRequest(engine)?.path).toBe('/v1/messages')
    })

    it.each([
      ['chat-vllm', 'vllm'],
      ['chat-llama', 'llama'],
    ] as const)(
      'relays the event stream byte for byte, with nothing added (%s)',
      async (model, engine) => {
        const res = await postMessages({ model, max_tokens: 64, stream: true, messages: MESSAGES })
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
        const received = await res.text()
        const sent = Buffer.concat(lastEngineRequest(engine)?.sent ?? []).toString('utf8')
        expect(received).toBe(sent)
        expect(received).not.toContain('[DONE]')
        expect(received.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(
          true,
        )
      },
    )

    it("forwards the client's body byte for byte, with only model renamed, and no stream_options", async () => {
      const raw = `{"model":"chat-vllm",  "max_tokens": 8, "stream":true,\n "messages":[{"role":"user","content":"Hi"}]}`
      const res = await postMessages(raw)
      await res.text()
      expect(lastEngineRequest('vllm')?.body.toString()).toBe(
        raw.replace('"chat-vllm"', '"org/vllm-8b"'),
      )
    })

    it('counts tokens through the Anthropic SDK', async () => {
      for (const model of ['chat-vllm', 'chat-llama']) {
        const counted = await sdk.messages.countTokens({ model, messages: MESSAGES })
        expect(counted.input_tokens).toBe(FAKE_PROMPT_TOKENS)
      }
      expect(lastEngineRequest('llama')?.path).toBe('/v1/messages/count_tokens')
    })

    it('takes the key as x-api-key (the SDK default) or as a bearer token (Claude Code)', async () => {
      const bearer = client({ apiKey: null, authToken: f.key })
      const msg = await bearer.messages.create({
        model: 'chat-llama',
        max_tokens: 8,
        messages: MESSAGES,
      })
      expect(msg.content[0]).toMatchObject({ type: 'text' })
      const same = await fetch(`${f.gw.url}/v1/messages/count_tokens`, {
        method: 'POST',
        headers: {
          'x-api-key': f.key,
          authorization: `Bearer ${f.key}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ model: 'chat-llama', messages: MESSAGES }),
      })
      expect(same.status).toBe(200)
      expect(lastEngineRequest('llama')?.headers.authorization).toBeUndefined()
    })

    it('passes anthropic-version and anthropic-beta on unchanged, and drops the query string', async () => {
      const res = await fetch(`${f.gw.url}/v1/messages?beta=true`, {
        method: 'POST',
        headers: {
          'x-api-key': f.key,
          'anthropic-version': '2023-06-01',
          'anthropic-beta':
            'interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ model: 'chat-vllm', max_tokens: 8, messages: MESSAGES }),
      })
      expect(res.status).toBe(200)
      await res.text()
      const seen = lastEngineRequest('vllm')
      expect(seen?.headers['anthropic-version']).toBe('2023-06-01')
      expect(seen?.headers['anthropic-beta']).toBe(
        'interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14',
      )
      expect(seen?.path).toBe('/v1/messages')
      expect(seen?.headers['x-api-key']).toBeUndefined()
    })

    it('serves the SDK beta namespace (`?beta=true` and anthropic-beta) the same way', async () => {
      const msg = await sdk.beta.messages.create({
        model: 'chat-vllm',
        max_tokens: 8,
        messages: MESSAGES,
        betas: ['interleaved-thinking-2025-05-14'],
      })
      expect(msg.content[0]).toMatchObject({ type: 'text' })
      expect(lastEngineRequest('vllm')?.headers['anthropic-beta']).toBe(
        'interleaved-thinking-2025-05-14',
      )
    })

    it('records usage per key and model: prompt with its cached part, completion, count_tokens as a request', async () => {
      const own = client({ apiKey: usageKey })
      await own.messages.create({ model: 'chat-llama', max_tokens: 64, messages: MESSAGES })
      await own.messages.stream({ model: 'chat-llama', max_tokens: 64, messages: MESSAGES }).done()
      await own.messages.stream({ model: 'chat-vllm', max_tokens: 64, messages: MESSAGES }).done()
      await own.messages.countTokens({ model: 'chat-llama', messages: MESSAGES })
      await f.gw.deps.usage.flush()
      const rows = await sql<{
        model: string
        requests: number
        prompt_tokens: number
        completion_tokens: number
        errors: number
      }>`select model, requests, prompt_tokens, completion_tokens, errors from usage_daily
         where api_key_id = ${usageKeyId} order by model`.execute(f.gw.database.db)
      // llama.cpp reports 8 of the 12 prompt tokens as cache reads: they are prompt tokens all the same.
      expect(rows.rows.map((r) => ({ ...r }))).toEqual([
        {
          model: 'chat-llama',
          requests: 3,
          prompt_tokens: 2 * FAKE_PROMPT_TOKENS,
          completion_tokens: 2 * DEFAULT_TOKENS.length,
          errors: 0,
        },
        {
          model: 'chat-vllm',
          requests: 1,
          prompt_tokens: FAKE_PROMPT_TOKENS,
          completion_tokens: DEFAULT_TOKENS.length,
          errors: 0,
        },
      ])
    })

    it('writes one access line and the route metrics for a streamed message', async () => {
      const { response } = await sdk.messages
        .create({ model: 'chat-llama', max_tokens: 64, messages: MESSAGES, stream: true })
        .withResponse()
      await response.text()
      const id = response.headers.get('x-request-id')
      await expect
        .poll(() => f.logs.filter((l) => l.requestId === id && l.msg === 'request done'))
        .toHaveLength(1)
      const line = f.logs.find((l) => l.requestId === id && l.msg === 'request done')
      expect(line).toMatchObject({
        path: '/v1/messages',
        status: 200,
        model: 'chat-llama',
        promptTokens: FAKE_PROMPT_TOKENS,
        completionTokens: DEFAULT_TOKENS.length,
        outcome: 'completed',
      })
      expect(line?.ttftMs).toEqual(expect.any(Number))
      const metrics = await (await fetch(`${f.gw.url}/metrics`)).text()
      expect(metrics).toMatch(
        /keygate_requests_total\{route="\/v1\/messages",model="chat-llama",status="200"\} \d+/,
      )
    })
  })

  describe('errors', () => {
    it('answers a wrong key with 401 authentication_error (AuthenticationError)', async () => {
      const err = await caught(
        client({ apiKey: 'kg_0000000000000000_00000000000000000000000000000000' }).messages.create({
          model: 'chat-llama',
          max_tokens: 8,
          messages: MESSAGES,
        }),
      )
      expect(err).toBeInstanceOf(Anthropic.AuthenticationError)
      const body = err.error as ErrorBody
      expect(body.type).toBe('error')
      expect(body.error.type).toBe('authentication_error')
      expect(body.request_id).toBe(err.headers?.get('x-request-id'))
    })

    it('refuses two different keys (x-api-key and Authorization) as ambiguous', async () => {
      const res = await fetch(`${f.gw.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'x-api-key': f.key,
          authorization: `Bearer ${f.limitedKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ model: 'chat-vllm', max_tokens: 8, messages: MESSAGES }),
      })
      expect(res.status).toBe(400)
      const body = (await res.json()) as ErrorBody
      expect(body.error).toEqual({
        type: 'invalid_request_error',
        message:
          'Send exactly one credential: one Authorization header with one Bearer key, or the same key in x-api-key.',
      })
    })

    it('answers a key without Model Access with 403 permission_error (PermissionDeniedError)', async () => {
      const err = await caught(
        client({ apiKey: managementOnlyKey }).messages.create({
          model: 'chat-llama',
          max_tokens: 8,
          messages: MESSAGES,
        }),
      )
      expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError)
      expect((err.error as ErrorBody).error.type).toBe('permission_error')
    })

    it('answers an unknown model and a model the key may not use alike: 404 not_found_error', async () => {
      const before = f.llama.inferenceRequests().length
      const unknown = await caught(
        sdk.messages.create({ model: 'no-such-model', max_tokens: 8, messages: MESSAGES }),
      )
      const denied = await caught(
        client({ apiKey: f.limitedKey }).messages.create({
          model: 'chat-llama',
          max_tokens: 8,
          messages: MESSAGES,
        }),
      )
      for (const err of [unknown, denied]) {
        expect(err).toBeInstanceOf(Anthropic.NotFoundError)
        expect((err.error as ErrorBody).error.type).toBe('not_found_error')
      }
      expect((denied.error as ErrorBody).error.message).toBe(
        'The model `chat-llama` does not exist or you do not have access to it.',
      )
      expect(f.llama.inferenceRequests().length).toBe(before)
    })

    it('refuses a model whose engine does not serve /v1/messages with 404, without asking it', async () => {
      const before = f.vllm.inferenceRequests().length
      const err = await caught(
        sdk.messages.create({ model: 'chat-only', max_tokens: 8, messages: MESSAGES }),
      )
      expect(err).toBeInstanceOf(Anthropic.NotFoundError)
      expect((err.error as ErrorBody).error.message).toContain('does not serve /v1/messages')
      expect(f.vllm.inferenceRequests().length).toBe(before)
    })

    it('answers a body over the limit with 413 request_too_large', async () => {
      const err = await caught(
        sdk.messages.create({
          model: 'chat-llama',
          max_tokens: 8,
          messages: [{ role: 'user', content: 'x'.repeat(MAX_BODY_BYTES + 1) }],
        }),
      )
      expect(err.status).toBe(413)
      expect((err.error as ErrorBody).error.type).toBe('request_too_large')
    })

    it('answers malformed JSON with 400 invalid_request_error in the Anthropic envelope', async () => {
      const res = await postMessages('{"model":')
      expect(res.status).toBe(400)
      expect(((await res.json()) as ErrorBody).error.type).toBe('invalid_request_error')
    })

    it("keeps an engine's 400 and its message (BadRequestError)", async () => {
      f.vllm.setScript(ENGINE_ERRORS.vllmAnthropicBadRequest)
      const err = await caught(
        sdk.messages.create({ model: 'chat-vllm', max_tokens: 8, messages: MESSAGES }),
      )
      expect(err).toBeInstanceOf(Anthropic.BadRequestError)
      expect((err.error as ErrorBody).error).toEqual({
        type: 'invalid_request_error',
        message: 'max_tokens must be at least 1, got 0.',
      })
    })

    it("relays an engine's 429 as rate_limit_error (RateLimitError) with Retry-After", async () => {
      f.llama.setScript({
        kind: 'status',
        status: 429,
        body: '{"error":{"code":429,"message":"slow down","type":"rate_limit_error"}}',
        headers: { 'Retry-After': '3' },
      })
      const err = await caught(
        sdk.messages.create({ model: 'chat-llama', max_tokens: 8, messages: MESSAGES }),
      )
      expect(err).toBeInstanceOf(Anthropic.RateLimitError)
      expect((err.error as ErrorBody).error.type).toBe('rate_limit_error')
    })

    it.each([
      ['an engine 500', 'chat-vllm', ENGINE_ERRORS.vllmInternal, 502, 'api_error'],
      ['a full engine queue', 'chat-vllm', ENGINE_ERRORS.vllmQueueFull, 503, 'overloaded_error'],
      ['no instance at all', 'empty', ENGINE_ERRORS.vllmInternal, 503, 'overloaded_error'],
      [
        'an engine timeout',
        'chat-vllm',
        { kind: 'status', status: 504, body: '{"detail":"Gateway Timeout"}' },
        504,
        'api_error',
      ],
    ] as const)(
      'answers %s with %i %s (InternalServerError)',
      async (_, model, script, status, type) => {
        f.vllm.setScript(script)
        const err = await caught(sdk.messages.create({ model, max_tokens: 8, messages: MESSAGES }))
        expect(err).toBeInstanceOf(Anthropic.InternalServerError)
        expect(err.status).toBe(status)
        expect((err.error as ErrorBody).error.type).toBe(type)
      },
    )
  })

  describe('streams that end early', () => {
    it('aborts the engine when the client disconnects mid-stream', async () => {
      f.llama.setScript({ kind: 'slow', gapMs: 200, tokens: ['a', 'b', 'c', 'd', 'e', 'f'] })
      const stream = await sdk.messages.create({
        model: 'chat-llama',
        max_tokens: 64,
        messages: MESSAGES,
        stream: true,
      })
      const seen: string[] = []
      for await (const event of stream) {
        seen.push(event.type)
        if (event.type === 'content_block_delta') {
          stream.controller.abort() // the client goes away mid-stream
        }
      }
      expect(seen.at(-1)).toBe('content_block_delta')
      await waitUntil(
        () => lastEngineRequest('llama')?.clientClosed === true,
        5_000,
        'engine abort',
      )
      await expect
        .poll(
          () =>
            f.logs.filter(
              (l) => l.msg === 'request done' && l.path === '/v1/messages' && l.status === 499,
            ).length,
        )
        .toBeGreaterThan(0)
    })

    it('ends a stream whose engine connection broke with an Anthropic error event', async () => {
      f.llama.setScript({ kind: 'destroy_mid_stream', afterFrames: 3 })
      const res = await postMessages({
        model: 'chat-llama',
        max_tokens: 64,
        stream: true,
        messages: MESSAGES,
      })
      const text = await res.text()
      const last = text.trimEnd().split('\n\n').at(-1) ?? ''
      expect(last.split('\n')[0]).toBe('event: error')
      const data = JSON.parse(last.split('\n')[1]?.slice(6) ?? '{}') as ErrorBody
      expect(data.type).toBe('error')
      expect(data.error.type).toBe('api_error')
      expect(text).not.toContain('[DONE]')

      f.llama.setScript({ kind: 'destroy_mid_stream', afterFrames: 3 })
      const stream = sdk.messages.stream({
        model: 'chat-llama',
        max_tokens: 64,
        messages: MESSAGES,
      })
      const err = await caught(stream.finalMessage())
      expect(err.message).toMatch(/could not be reached or closed the connection/)
    })

    it("passes the engine's own error event through unchanged, and counts the request as failed", async () => {
      f.llama.setScript({ kind: 'error_mid_stream', afterFrames: 3, message: 'slot failed' })
      const res = await postMessages({
        model: 'chat-llama',
        max_tokens: 64,
        stream: true,
        messages: MESSAGES,
      })
      const id = res.headers.get('x-request-id')
      const text = await res.text()
      expect(text).toBe(Buffer.concat(lastEngineRequest('llama')?.sent ?? []).toString('utf8'))
      expect(
        text.endsWith(
          'event: error\ndata: {"code":500,"message":"slot failed","type":"server_error"}\n\n',
        ),
      ).toBe(true)
      await expect
        .poll(() => f.logs.find((l) => l.requestId === id && l.msg === 'request done'))
        .toMatchObject({ status: 502, outcome: 'engine_error' })

      f.llama.setScript({ kind: 'error_mid_stream', afterFrames: 3, message: 'slot failed' })
      const stream = sdk.messages.stream({
        model: 'chat-llama',
        max_tokens: 64,
        messages: MESSAGES,
      })
      expect(await caught(stream.finalMessage())).toBeInstanceOf(Anthropic.APIError)
    })
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ENGINE_API_KEY,
  type ProxyFixture,
  post,
  startProxyFixture,
} from '../support/proxy-fixture.js'
import { seedKey, seedUser } from '../support/seed.js'
import { dbTargets } from '../support/test-db.js'

/**
 * Which proxied routes each model serves: its backend's by default, or the list an admin sets on /v2/models (or
 * in KEYGATE_MODELS_FILE, models-file.int.test.ts). A route the model does not serve is refused by the gateway
 * with a 404 before any engine is asked; GET /v1/models says what each model serves.
 */

type Json = Record<string, unknown> & {
  error?: { code: string; param: string | null; message: string; type: string }
}

const CHAT = { messages: [{ role: 'user', content: 'hi' }] }

describe.each(dbTargets())('model routes on %s', (target) => {
  let f: ProxyFixture
  let adminKey: string

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${f.gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: res.status, json: (await res.json()) as Json }
  }

  beforeAll(async () => {
    f = await startProxyFixture(target)
    const admin = await seedUser(f.gw.database.db, { isAdmin: true })
    adminKey = (
      await seedKey(f.gw.database.db, { userId: admin.id, scope: ['management', 'inference'] })
    ).value
    await f.gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await f?.close()
  })

  it("lists in GET /v1/models what each model serves, by its backend's defaults", async () => {
    const res = await fetch(`${f.gw.url}/v1/models`, {
      headers: { authorization: `Bearer ${f.key}` },
    })
    const list = (await res.json()) as { data: { id: string; object: string; routes: string[] }[] }
    const llama = list.data.find((m) => m.id === 'chat-llama')
    const vllm = list.data.find((m) => m.id === 'chat-vllm')
    expect(llama).toMatchObject({ object: 'model', owned_by: 'keygate' })
    expect(llama?.routes).toEqual([
      '/v1/chat/completions',
      '/v1/completions',
      '/v1/responses',
      '/v1/messages',
      '/v1/messages/count_tokens',
    ])
    expect(vllm?.routes).toContain('/v1/audio/transcriptions')
    expect(vllm?.routes).toContain('/v1/embeddings')
  })

  it('refuses llama.cpp embeddings without --embeddings in the gateway: 404, no round trip', async () => {
    const before = f.llama.inferenceRequests().length
    const res = await post(f, '/v1/embeddings', { model: 'chat-llama', input: 'x' })
    expect(res.status).toBe(404)
    const body = (await res.json()) as Json
    expect(body.error).toEqual({
      message:
        'The model `chat-llama` does not serve /v1/embeddings; GET /v1/models lists the routes each model serves.',
      type: 'invalid_request_error',
      param: null,
      code: 'unsupported_route',
    })
    expect(f.llama.inferenceRequests().length).toBe(before)
  })

  it('takes an admin-set list on create and edit, and null goes back to the defaults', async () => {
    const created = await call('POST', '/v2/models', {
      name: 'embed-only',
      backend: 'llama.cpp',
      routes: ['/v1/embeddings', '/v1/embeddings'],
      instances: [{ url: f.llama.url }],
    })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({
      routes: ['/v1/embeddings'],
      own_routes: ['/v1/embeddings'],
    })
    expect((await post(f, '/v1/chat/completions', { model: 'embed-only', ...CHAT })).status).toBe(
      404,
    )

    const id = created.json.id as number
    const edited = await call('PUT', `/v2/models/${id}`, { routes: ['/v1/chat/completions'] })
    expect(edited.json.routes).toEqual(['/v1/chat/completions'])
    // In force on this replica when the PUT returns.
    const chat = await post(f, '/v1/chat/completions', { model: 'embed-only', ...CHAT })
    expect(chat.status).toBe(200)
    await chat.text()

    const reset = await call('PUT', `/v2/models/${id}`, { routes: null })
    expect(reset.json.own_routes).toBeNull()
    expect(reset.json.routes).toContain('/v1/messages')
    expect(reset.json.routes).not.toContain('/v1/embeddings')
  })

  it('refuses an unknown route name with 422 naming it', async () => {
    const res = await call('POST', '/v2/models', {
      name: 'bad-routes',
      routes: ['/v1/chat/completions', '/tokenize'],
      instances: [{ url: f.vllm.url, api_key: ENGINE_API_KEY }],
    })
    expect(res.status).toBe(422)
    expect(res.json.error?.param).toBe('routes.1')
  })
})

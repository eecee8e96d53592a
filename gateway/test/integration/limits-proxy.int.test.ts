import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeEngine, startFakeEngine } from '../support/fake-engine.js'
import { pollUntil } from '../support/poll.js'
import { seedKey, seedModel, seedUser } from '../support/seed.js'
import { startTestGateway, type TestGateway } from '../support/test-app.js'
import type { TestDatabase } from '../support/test-db.js'
import { dbTargets } from '../support/test-db.js'

/**
 * Limits on the request path, in process (no Redis): the API's fields and their checks, each limit alone and with
 * its owner's, the 429s and their headers, settlement to the engine's usage, leases released however a request
 * ends, usage's `refused` and the metric. A real gateway, a real database and a fake vLLM over real HTTP.
 */
const target = dbTargets().at(-1) ?? 'pglite'

type Gateway = TestGateway & { testDb: TestDatabase }

interface Json {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

async function api(gw: Gateway, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
  } satisfies Json
}

function chatBody(extra: Record<string, unknown> = {}) {
  return { model: 'chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, ...extra }
}

async function chat(gw: Gateway, key: string, extra: Record<string, unknown> = {}) {
  return api(gw, key, 'POST', '/v1/chat/completions', chatBody(extra))
}

function estimateOf(body: unknown, maxTokens: number): number {
  return Math.ceil(Buffer.byteLength(JSON.stringify(body)) / 4) + maxTokens
}

function errorOf(r: Json): Record<string, unknown> {
  return r.body.error as Record<string, unknown>
}

describe(`limits on the request path (${target})`, () => {
  let gw: Gateway
  let vllm: FakeEngine
  let adminKey: string
  let adminId: number

  beforeAll(async () => {
    vllm = await startFakeEngine({ flavour: 'vllm' })
    gw = await startTestGateway(target)
    const db = gw.database.db
    const admin = await seedUser(db, { isAdmin: true })
    adminId = admin.id
    adminKey = (await seedKey(db, { userId: admin.id, scope: ['management', 'inference'] })).value
    await seedModel(db, { name: 'chat', instances: [{ url: vllm.url }] })
    await gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await gw?.close()
    await vllm?.close()
  })

  /** A key of the admin's, made through the API with these limits. */
  async function limitedKey(limits: Record<string, unknown>) {
    const r = await api(gw, adminKey, 'POST', '/v2/api-keys', {
      name: `k-${Math.random()}`,
      scope: ['inference'],
      ...limits,
    })
    expect(r.status).toBe(201)
    return { id: r.body.id as number, value: r.body.value as string }
  }

  /** A user (with these limits, set through the API) and one inference key of theirs. */
  async function limitedUser(limits: Record<string, unknown>) {
    const user = await seedUser(gw.database.db)
    if (Object.keys(limits).length > 0) {
      const r = await api(gw, adminKey, 'PUT', `/v2/users/${user.id}`, limits)
      expect(r.status).toBe(200)
    }
    const key = await seedKey(gw.database.db, { userId: user.id })
    await gw.deps.changes.catchUp()
    return { user, key }
  }

  describe('fields', () => {
    it('are stored, returned by GET and changed by PUT; null removes a limit', async () => {
      const key = await limitedKey({ rpm_limit: 60, token_budget: 5000, budget_period: 'week' })
      const got = await api(gw, adminKey, 'GET', `/v2/api-keys/${key.id}`)
      expect(got.body).toMatchObject({
        rpm_limit: 60,
        tpm_limit: null,
        max_parallel_requests: null,
        token_budget: 5000,
        budget_period: 'week',
      })
      const put = await api(gw, adminKey, 'PUT', `/v2/api-keys/${key.id}`, {
        rpm_limit: null,
        max_parallel_requests: 3,
      })
      expect(put.status).toBe(200)
      expect(put.body).toMatchObject({
        rpm_limit: null,
        max_parallel_requests: 3,
        token_budget: 5000,
      })
      const listed = await api(gw, adminKey, 'GET', '/v2/api-keys?perPage=1000')
      const items = listed.body.items as Record<string, unknown>[]
      expect(items.find((k) => k.id === key.id)).toMatchObject({ max_parallel_requests: 3 })
    })

    it.each([
      ['rpm_limit', 0],
      ['tpm_limit', -5],
      ['max_parallel_requests', 1.5],
      ['token_budget', '100'],
      ['budget_period', 'year'],
    ])('refuses %s = %j with 422 naming the field, on keys and users', async (field, value) => {
      const created = await api(gw, adminKey, 'POST', '/v2/api-keys', {
        name: `bad-${Math.random()}`,
        [field]: value,
      })
      expect(created.status).toBe(422)
      expect(errorOf(created)).toMatchObject({ param: field, type: 'invalid_request_error' })
      const key = await limitedKey({})
      const put = await api(gw, adminKey, 'PUT', `/v2/api-keys/${key.id}`, { [field]: value })
      expect(put.status).toBe(422)
      expect(errorOf(put).param).toBe(field)
      const user = await api(gw, adminKey, 'PUT', `/v2/users/${adminId}`, { [field]: value })
      expect(user.status).toBe(422)
      expect(errorOf(user).param).toBe(field)
    })

    it('lets a user set limits on their own keys only within their user limits', async () => {
      const { user } = await limitedUser({ rpm_limit: 10, token_budget: 1000 })
      const own = await seedKey(gw.database.db, { userId: user.id, scope: ['management'] })
      await gw.deps.changes.catchUp()
      const above = await api(gw, own.value, 'POST', '/v2/api-keys', { name: 'a', rpm_limit: 11 })
      expect(above.status).toBe(422)
      expect(errorOf(above).param).toBe('rpm_limit')
      const within = await api(gw, own.value, 'POST', '/v2/api-keys', {
        name: 'b',
        rpm_limit: 10,
        tpm_limit: 500,
      })
      expect(within.status).toBe(201)
      const raised = await api(gw, own.value, 'PUT', `/v2/api-keys/${within.body.id}`, {
        token_budget: 1001,
      })
      expect(raised.status).toBe(422)
      expect(errorOf(raised).param).toBe('token_budget')
      // Only an admin sets user limits.
      const self = await api(gw, own.value, 'PUT', `/v2/users/${user.id}`, { rpm_limit: 100 })
      expect(self.status).toBe(403)
    })
  })

  describe('requests', () => {
    it('a key without limits gets no x-ratelimit headers', async () => {
      const key = await limitedKey({})
      const r = await chat(gw, key.value)
      expect(r.status).toBe(200)
      expect([...r.headers.keys()].filter((h) => h.startsWith('x-ratelimit'))).toEqual([])
    })

    it('rpm: headers on every answer, then a 429 that never reaches the engine', async () => {
      const key = await limitedKey({ rpm_limit: 2 })
      const first = await chat(gw, key.value)
      expect(first.status).toBe(200)
      expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2')
      expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1')
      expect(first.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+m)?\d+(\.\d+)?(ms|s)$/)
      expect(first.headers.get('x-ratelimit-limit-tokens')).toBeNull()
      expect((await chat(gw, key.value)).headers.get('x-ratelimit-remaining-requests')).toBe('0')
      const sent = vllm.inferenceRequests().length
      const refused = await chat(gw, key.value)
      expect(refused.status).toBe(429)
      expect(errorOf(refused)).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' })
      expect(String(errorOf(refused).message)).toMatch(/this API key: 2 requests per minute/)
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0')
      expect(vllm.inferenceRequests().length).toBe(sent)
    })

    it("the owner's rpm caps all of their keys together", async () => {
      const { user, key } = await limitedUser({ rpm_limit: 1 })
      const other = await seedKey(gw.database.db, { userId: user.id })
      await gw.deps.changes.catchUp()
      expect((await chat(gw, key.value)).status).toBe(200)
      const refused = await chat(gw, other.value)
      expect(refused.status).toBe(429)
      expect(String(errorOf(refused).message)).toMatch(/your user: 1 requests per minute/)
      expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('1')
    })

    it('key and owner limits combine: the lower one refuses, and a refusal costs the other nothing', async () => {
      const { user } = await limitedUser({ rpm_limit: 3 })
      const keyA = await seedKey(gw.database.db, { userId: user.id })
      const keyB = await seedKey(gw.database.db, { userId: user.id })
      await gw.database.db
        .updateTable('api_keys')
        .set({ rpm_limit: 1 })
        .where('id', '=', keyA.id)
        .execute()
      await gw.deps.changes.catchUp()
      expect((await chat(gw, keyA.value)).status).toBe(200)
      // The key's own limit refuses; the user's count does not move, so B still has 2 of the user's 3.
      expect((await chat(gw, keyA.value)).status).toBe(429)
      const b1 = await chat(gw, keyB.value)
      expect(b1.status).toBe(200)
      expect(b1.headers.get('x-ratelimit-remaining-requests')).toBe('1')
      expect((await chat(gw, keyB.value)).status).toBe(200)
      const b3 = await chat(gw, keyB.value)
      expect(b3.status).toBe(429)
      expect(String(errorOf(b3).message)).toMatch(/your user/)
    })

    it('tpm: the reservation is settled to the usage the engine reported after a stream', async () => {
      const key = await limitedKey({ tpm_limit: 5000 })
      const body = chatBody({ stream: true, max_tokens: 1000 })
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.value}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('x-ratelimit-limit-tokens')).toBe('5000')
      expect(Number(res.headers.get('x-ratelimit-remaining-tokens'))).toBe(
        5000 - estimateOf(body, 1000),
      )
      const text = await res.text()
      const usageFrame = text
        .split('\n')
        .filter((l) => l.startsWith('data: {') && l.includes('"usage"'))
        .map((l) => JSON.parse(l.slice(6)) as { usage: { total_tokens: number } | null })
        .find((f) => f.usage !== null)
      // The client did not ask for usage; the gateway asked, read it and cut the frame.
      expect(usageFrame).toBeUndefined()
      const next = chatBody({ max_tokens: 8 })
      const after = await api(gw, key.value, 'POST', '/v1/chat/completions', next)
      expect(after.status).toBe(200)
      const used = (after.body.usage as { total_tokens: number }).total_tokens
      // What the stream really used (the fake engine counts the same for both), not its 1000-token estimate.
      const remaining = Number(after.headers.get('x-ratelimit-remaining-tokens'))
      expect(remaining).toBe(5000 - used - estimateOf(next, 8))
    })

    it('tpm refuses what the window cannot hold', async () => {
      const key = await limitedKey({ tpm_limit: 100 })
      // An estimate above the limit passes into an empty window only.
      expect((await chat(gw, key.value, { max_tokens: 500 })).status).toBe(200)
      const refused = await chat(gw, key.value, { max_tokens: 90 })
      expect(refused.status).toBe(429)
      expect(errorOf(refused).code).toBe('rate_limit_exceeded')
      expect(String(errorOf(refused).message)).toMatch(/100 tokens per minute/)
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(refused.headers.get('x-ratelimit-limit-tokens')).toBe('100')
    })

    it('budget: insufficient_quota until an admin raises it, counted as refused in usage and metrics', async () => {
      const key = await limitedKey({ token_budget: 40, budget_period: 'day' })
      // Reserved: about 31 (the body / 4 + max_tokens); settled to the engine's count, then 31 more do not fit.
      expect((await chat(gw, key.value)).status).toBe(200)
      const refused = await chat(gw, key.value)
      expect(refused.status).toBe(429)
      expect(errorOf(refused)).toMatchObject({
        type: 'insufficient_quota',
        code: 'insufficient_quota',
      })
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      // No minute limit is set: no x-ratelimit header, even on the 429.
      expect([...refused.headers.keys()].filter((h) => h.startsWith('x-ratelimit'))).toEqual([])
      const raised = await api(gw, adminKey, 'PUT', `/v2/api-keys/${key.id}`, {
        token_budget: 10_000,
      })
      expect(raised.status).toBe(200)
      expect((await chat(gw, key.value)).status).toBe(200)

      await gw.deps.usage.flush()
      const rows = await gw.database.db
        .selectFrom('usage_daily')
        .select(['requests', 'errors', 'refused'])
        .where('api_key_id', '=', key.id)
        .execute()
      expect(rows).toEqual([{ requests: 2, errors: 0, refused: 1 }])
      const report = await api(gw, adminKey, 'GET', `/v2/usage?api_key_id=${key.id}`)
      expect(report.body.items).toEqual([
        expect.objectContaining({ requests: 2, errors: 0, refused: 1 }),
      ])
      const use = await api(gw, adminKey, 'GET', `/v2/api-keys/${key.id}/limits`)
      expect(use.body).toMatchObject({
        api_key_id: key.id,
        token_budget: 10_000,
        budget_period: 'day',
        period_start: new Date().toISOString().slice(0, 10),
        requests: 2,
        refused: 1,
      })
      expect(use.body.tokens).toBeGreaterThan(0)
      const metrics = await (await fetch(`${gw.url}/metrics`)).text()
      expect(metrics).toMatch(/keygate_limited_total\{reason="budget"\} [1-9]/)
    })

    it('a parallel lease is released when the client leaves and when the engine fails', async () => {
      const key = await limitedKey({ max_parallel_requests: 1 })
      vllm.setScript({ kind: 'stalled', afterFrames: 1 })
      const leaving = new AbortController()
      const held = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.value}`, 'content-type': 'application/json' },
        body: JSON.stringify(chatBody({ stream: true })),
        signal: leaving.signal,
      })
      expect(held.status).toBe(200)
      vllm.setScript({ kind: 'normal' })
      const refused = await chat(gw, key.value)
      expect(refused.status).toBe(429)
      expect(String(errorOf(refused).message)).toMatch(/at most 1 at once/)
      expect(refused.headers.get('retry-after')).toBeNull()
      leaving.abort()
      await pollUntil(
        async () => (await chat(gw, key.value)).status === 200,
        'the lease freed after the client left',
        5_000,
      )
      vllm.setScript({
        kind: 'status',
        status: 500,
        body: '{"error":{"message":"boom","type":"InternalServerError","param":null,"code":500}}',
      })
      expect((await chat(gw, key.value)).status).toBeGreaterThanOrEqual(500)
      vllm.setScript({ kind: 'normal' })
      // Sequential: the failed request's lease is gone before its answer left.
      expect((await chat(gw, key.value)).status).toBe(200)
      const metrics = await (await fetch(`${gw.url}/metrics`)).text()
      expect(metrics).toMatch(/keygate_limited_total\{reason="parallel"\} [1-9]/)
    })

    it('the official openai SDK retries a 429 and gets through', async () => {
      const key = await limitedKey({ max_parallel_requests: 1 })
      vllm.setScript({ kind: 'stalled', afterFrames: 1 })
      const leaving = new AbortController()
      const held = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.value}`, 'content-type': 'application/json' },
        body: JSON.stringify(chatBody({ stream: true })),
        signal: leaving.signal,
      })
      expect(held.status).toBe(200)
      vllm.setScript({ kind: 'normal' })
      const seen: number[] = []
      const client = new OpenAI({
        apiKey: key.value,
        baseURL: `${gw.url}/v1`,
        maxRetries: 3,
        fetch: async (url, init) => {
          const res = await fetch(url, init)
          seen.push(res.status)
          if (res.status === 429) {
            leaving.abort() // the request in flight ends; the SDK's retry then fits
          }
          return res
        },
      })
      const answer = await client.chat.completions.create(chatBody() as never)
      expect(answer.choices.length).toBeGreaterThan(0)
      expect(seen[0]).toBe(429)
      expect(seen.at(-1)).toBe(200)
    })

    it("a user's limits changed by PUT are in force at once on this replica", async () => {
      const { user, key } = await limitedUser({})
      expect((await chat(gw, key.value)).headers.get('x-ratelimit-limit-requests')).toBeNull()
      const put = await api(gw, adminKey, 'PUT', `/v2/users/${user.id}`, { rpm_limit: 7 })
      expect(put.body).toMatchObject({ rpm_limit: 7 })
      expect((await chat(gw, key.value)).headers.get('x-ratelimit-limit-requests')).toBe('7')
    })
  })
})

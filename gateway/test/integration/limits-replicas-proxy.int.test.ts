import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeEngine, startFakeEngine } from '../support/fake-engine.js'
import { pollUntil } from '../support/poll.js'
import {
  deleteKeys,
  type PrivateRedis,
  SHARED_REDIS_URL,
  startPrivateRedis,
  testPrefix,
} from '../support/redis-server.js'
import { seedKey, seedModel, seedUser } from '../support/seed.js'
import { startGateway, type TestGateway } from '../support/test-app.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

/**
 * Limits through two real gateway replicas sharing one database: counted in the shared Redis (under a prefix of
 * this file's own), a budget raised by a PUT on one replica is in force on the other within 1 s, and a request
 * path whose Redis is gone fails open and says so in /metrics (on a private redis-server this file stops).
 */
const target = dbTargets().at(-1) ?? 'pglite'
const PROPAGATION_BUDGET_MS = 1_000

async function call(gw: TestGateway, key: string, method: string, path: string, body?: unknown) {
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
  }
}

const chat = (gw: TestGateway, key: string) =>
  call(gw, key, 'POST', '/v1/chat/completions', {
    model: 'chat',
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 8,
  })

describe(`limits across two replicas (${target})`, () => {
  let testDb: TestDatabase
  let vllm: FakeEngine
  let a: TestGateway
  let b: TestGateway
  let adminKey: string
  const prefix = testPrefix('replicas-proxy')

  beforeAll(async () => {
    vllm = await startFakeEngine({ flavour: 'vllm' })
    testDb = await createTestDatabase(target)
    const env = {
      KEYGATE_REDIS_URL: SHARED_REDIS_URL,
      KEYGATE_REDIS_PREFIX: prefix,
      // A loaded test machine can take more than the default 20 ms; a timeout would fail open and count nothing.
      KEYGATE_REDIS_TIMEOUT_MS: '2000',
      // Only NOTIFY can then explain B seeing a change within a second.
      KEYGATE_KEY_REFRESH_MS: '600000',
    }
    a = await startGateway(testDb, { env })
    b = await startGateway(testDb, { env })
    const admin = await seedUser(a.database.db, { isAdmin: true })
    adminKey = (await seedKey(a.database.db, { userId: admin.id, scope: ['management'] })).value
    await seedModel(a.database.db, { name: 'chat', instances: [{ url: vllm.url }] })
    await a.deps.changes.catchUp()
    await b.deps.changes.catchUp()
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await testDb?.drop()
    await vllm?.close()
    await deleteKeys(SHARED_REDIS_URL, prefix)
  })

  it('counts one rpm limit across both replicas', async () => {
    const user = await seedUser(a.database.db)
    const key = await seedKey(a.database.db, { userId: user.id })
    const put = await call(a, adminKey, 'PUT', `/v2/users/${user.id}`, { rpm_limit: 2 })
    expect(put.status).toBe(200)
    expect((await chat(a, key.value)).status).toBe(200)
    expect((await chat(b, key.value)).status).toBe(200)
    const third = await chat(a, key.value)
    expect(third.status).toBe(429)
    expect((await chat(b, key.value)).status).toBe(429)
  })

  it('a budget raised by PUT on one replica is in force on the other within 1 s', async () => {
    const user = await seedUser(a.database.db)
    const key = await seedKey(a.database.db, { userId: user.id })
    await b.deps.changes.catchUp()
    const limited = await call(a, adminKey, 'PUT', `/v2/users/${user.id}`, {
      token_budget: 40,
      budget_period: 'month',
    })
    expect(limited.status).toBe(200)
    await b.deps.changes.catchUp()
    expect((await chat(b, key.value)).status).toBe(200)
    const spent = await chat(b, key.value)
    expect(spent.status).toBe(429)
    expect((spent.body.error as Record<string, unknown>).code).toBe('insufficient_quota')

    const raised = await call(a, adminKey, 'PUT', `/v2/users/${user.id}`, { token_budget: 100_000 })
    expect(raised.status).toBe(200)
    await pollUntil(
      async () => (await chat(b, key.value)).status === 200,
      'the raised budget on replica B',
      PROPAGATION_BUDGET_MS,
    )
  })
})

/** A gateway counting limits in a private redis-server, one user with `rpm` and a key of theirs, a fake vLLM. */
interface OutageStack {
  redis: PrivateRedis
  vllm: FakeEngine
  testDb: TestDatabase
  gw: TestGateway
  key: string
  close(): Promise<void>
}

async function startOutageStack(env: Record<string, string>, rpm: number): Promise<OutageStack> {
  const redis = await startPrivateRedis()
  const vllm = await startFakeEngine({ flavour: 'vllm' })
  const testDb = await createTestDatabase(target)
  const gw = await startGateway(testDb, {
    env: { KEYGATE_REDIS_URL: redis.url, KEYGATE_REDIS_TIMEOUT_MS: '2000', ...env },
  })
  const user = await seedUser(gw.database.db)
  await gw.database.db
    .updateTable('users')
    .set({ rpm_limit: rpm })
    .where('id', '=', user.id)
    .execute()
  const key = (await seedKey(gw.database.db, { userId: user.id })).value
  await seedModel(gw.database.db, { name: 'chat', instances: [{ url: vllm.url }] })
  await gw.deps.changes.catchUp()
  return {
    redis,
    vllm,
    testDb,
    gw,
    key,
    close: async () => {
      await gw.close()
      await testDb.drop()
      await vllm.close()
      await redis.stop()
    },
  }
}

describe(`a request path whose Redis is gone (${target})`, () => {
  let stack: OutageStack
  let redis: PrivateRedis
  let gw: TestGateway
  let key: string

  beforeAll(async () => {
    stack = await startOutageStack({ KEYGATE_REDIS_PREFIX: 'outage-proxy:' }, 1)
    ;({ redis, gw, key } = stack)
  })
  afterAll(async () => {
    await stack?.close()
  })

  it('fails open: requests pass uncounted, without headers, and the failures are counted', async () => {
    await pollUntil(
      async () => (await chat(gw, key)).headers.get('x-ratelimit-limit-requests') === '1',
      'the limiter connected to its Redis',
      10_000,
    )
    expect((await chat(gw, key)).status).toBe(429)
    await redis.kill()
    const passed = await chat(gw, key)
    expect(passed.status).toBe(200)
    expect(passed.headers.get('x-ratelimit-limit-requests')).toBeNull()
    expect((await chat(gw, key)).status).toBe(200)
    const metrics = await (await fetch(`${gw.url}/metrics`)).text()
    expect(metrics).toMatch(/keygate_limits_store_errors_total\{op="(admit|connection)"\} [1-9]/)
    expect(metrics).not.toMatch(/keygate_limited_total\{reason="unavailable"\} [1-9]/)
    // Back: counted again.
    await redis.start()
    await pollUntil(
      async () => (await chat(gw, key)).status === 429,
      'limits counted again once Redis is back',
      10_000,
    )
  })
})

describe(`fail closed, and the openai SDK honouring Retry-After (${target})`, () => {
  let stack: OutageStack
  let redis: PrivateRedis
  let vllm: FakeEngine
  let gw: TestGateway
  let key: string

  beforeAll(async () => {
    stack = await startOutageStack(
      { KEYGATE_REDIS_PREFIX: 'closed-proxy:', KEYGATE_LIMITS_ON_STORE_ERROR: 'closed' },
      1000,
    )
    ;({ redis, vllm, gw, key } = stack)
    await pollUntil(
      async () => (await chat(gw, key)).status === 200,
      'the limiter connected to its Redis',
      10_000,
    )
  })
  afterAll(async () => {
    await stack?.close()
  })

  it('a 429 unavailable with Retry-After: 1 while Redis is down; the SDK waits, retries, and gets through', async () => {
    await redis.kill()
    const refused = await chat(gw, key)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect((refused.body.error as Record<string, unknown>).code).toBe('rate_limit_exceeded')
    expect(vllm.inferenceRequests().length).toBeGreaterThan(0)
    const sentBefore = vllm.inferenceRequests().length

    const attempts: { status: number; retryAfter: string | null; retryCount: string | null }[] = []
    let restarting: Promise<void> | undefined
    const client = new OpenAI({
      apiKey: key,
      baseURL: `${gw.url}/v1`,
      maxRetries: 8,
      fetch: async (url, init) => {
        const res = await fetch(url, init)
        const headers = new Headers(init?.headers)
        attempts.push({
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          retryCount: headers.get('x-stainless-retry-count'),
        })
        if (res.status === 429 && restarting === undefined) {
          restarting = redis.start() // back while the SDK waits the second it was told to
        }
        return res
      },
    })
    const answer = await client.chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 8,
    })
    await restarting
    expect(answer.choices.length).toBeGreaterThan(0)
    expect(attempts[0]).toMatchObject({ status: 429, retryAfter: '1', retryCount: '0' })
    expect(attempts.at(-1)?.status).toBe(200)
    expect(attempts.slice(0, -1).every((a) => a.status === 429 && a.retryAfter === '1')).toBe(true)
    expect(attempts.map((a) => a.retryCount)).toEqual(attempts.map((_, i) => String(i)))
    // Only the request that got through reached the engine.
    expect(vllm.inferenceRequests().length).toBe(sentBefore + 1)
    const metrics = await (await fetch(`${gw.url}/metrics`)).text()
    expect(metrics).toMatch(/keygate_limited_total\{reason="unavailable"\} [1-9]/)
  })
})

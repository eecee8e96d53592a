import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UNSHARED_WARNING } from '../../src/limits/replica-heartbeat.js'
import { deleteKeys, SHARED_REDIS_URL, testPrefix } from '../support/redis-server.js'
import { seedKey, seedUser } from '../support/seed.js'
import { startGateway, type TestGateway } from '../support/test-app.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

/**
 * Replicas see each other through replica_heartbeats: several live replicas counting limits in process while
 * limits are in use is warned about in /metrics and GET /v2/status (the UI's banner); with Redis it is not.
 */
const target = dbTargets().at(-1) ?? 'pglite'

async function status(gw: TestGateway, key: string) {
  const res = await fetch(`${gw.url}/v2/status`, { headers: { authorization: `Bearer ${key}` } })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function gauge(gw: TestGateway): Promise<string | undefined> {
  const text = await (await fetch(`${gw.url}/metrics`)).text()
  return /^keygate_limits_unshared (\d+)$/m.exec(text)?.[1]
}

describe(`replica heartbeats (${target})`, () => {
  let testDb: TestDatabase
  let a: TestGateway
  let b: TestGateway
  let adminKey: string
  let userKey: string
  let limitedUserId: number

  beforeAll(async () => {
    testDb = await createTestDatabase(target)
    a = await startGateway(testDb)
    b = await startGateway(testDb)
    const admin = await seedUser(a.database.db, { isAdmin: true })
    adminKey = (await seedKey(a.database.db, { userId: admin.id, scope: ['management'] })).value
    const user = await seedUser(a.database.db)
    limitedUserId = user.id
    userKey = (await seedKey(a.database.db, { userId: user.id, scope: ['management'] })).value
    await a.deps.changes.catchUp()
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await testDb?.drop()
  })

  it('two replicas without Redis and no limits in use: no warning', async () => {
    await a.deps.heartbeat.beat()
    const s = await status(a, adminKey)
    expect(s.status).toBe(200)
    expect(s.body).toEqual({
      replicas: 2,
      limits: { store: 'process', in_use: false, warning: null },
    })
    expect(await gauge(a)).toBe('0')
  })

  it('warns once a key or user has a limit, in /v2/status and the gauge; only admins may ask', async () => {
    const put = await fetch(`${a.url}/v2/users/${limitedUserId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rpm_limit: 10 }),
    })
    expect(put.status).toBe(200)
    await b.deps.heartbeat.beat()
    const s = await status(b, adminKey)
    expect(s.body).toEqual({
      replicas: 2,
      limits: { store: 'process', in_use: true, warning: UNSHARED_WARNING },
    })
    expect(await gauge(b)).toBe('1')
    expect((await status(b, userKey)).status).toBe(403)
  })

  it('a replica that stops is no longer counted', async () => {
    await b.close()
    await a.deps.heartbeat.beat()
    const s = await status(a, adminKey)
    expect(s.body).toMatchObject({ replicas: 1, limits: { warning: null } })
    expect(await gauge(a)).toBe('0')
    b = await startGateway(testDb)
  })

  it('replicas counting in Redis share their limits: no warning', async () => {
    const prefix = testPrefix('heartbeat')
    const env = { KEYGATE_REDIS_URL: SHARED_REDIS_URL, KEYGATE_REDIS_PREFIX: prefix }
    await a.close()
    await b.close()
    a = await startGateway(testDb, { env })
    b = await startGateway(testDb, { env })
    try {
      await a.deps.heartbeat.beat()
      const s = await status(a, adminKey)
      expect(s.body).toEqual({
        replicas: 2,
        limits: { store: 'redis', in_use: true, warning: null },
      })
    } finally {
      await deleteKeys(SHARED_REDIS_URL, prefix)
    }
  })
})

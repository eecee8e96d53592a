import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CreatedApiKey } from '../../src/keys/api-key-view.js'
import { pollUntil } from '../support/poll.js'
import { seedKey, seedUser } from '../support/seed.js'
import { startGateway, type TestGateway } from '../support/test-app.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

/**
 * Rotation across two replicas sharing one database. B's safety refresh is 10 minutes, so only the change feed
 * (NOTIFY) explains B learning of a rotation; the end of a grace period needs no event at all: B's cached entry
 * for the previous value carries the grace's end as its expiry. Deadlines are polled, never timed.
 */
const POLL_MS = 20
const PROPAGATION_BUDGET_MS = 1_000

async function status(gw: TestGateway, key: string): Promise<number> {
  const res = await fetch(`${gw.url}/v2/users/me`, { headers: { authorization: `Bearer ${key}` } })
  await res.arrayBuffer()
  return res.status
}

describe.each(dbTargets())('key rotation across replicas on %s', (target) => {
  let testDb: TestDatabase
  let a: TestGateway
  let b: TestGateway
  let adminKey: string

  async function call(gw: TestGateway, method: string, path: string, body?: unknown) {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: res.status, json: (await res.json()) as CreatedApiKey }
  }

  /** A key made through A, already cached on B. */
  async function keyCachedOnB() {
    const res = await call(a, 'POST', '/v2/api-keys', {
      name: `k-${Math.random()}`,
      scope: ['management'],
    })
    expect(res.status).toBe(201)
    expect(await status(b, res.json.value)).toBe(200)
    return res.json
  }

  beforeAll(async () => {
    testDb = await createTestDatabase(target)
    const slow = { env: { KEYGATE_KEY_REFRESH_MS: '600000' } }
    a = await startGateway(testDb, slow)
    b = await startGateway(testDb, slow)
    const user = await seedUser(a.database.db, { isAdmin: true })
    adminKey = (await seedKey(a.database.db, { userId: user.id, scope: ['management'] })).value
    await a.deps.changes.catchUp()
    await b.deps.changes.catchUp()
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await testDb?.drop()
  })

  it('without grace: the old value is refused on B within 1 s, the new one accepted', async () => {
    const key = await keyCachedOnB()
    const rotated = await call(a, 'POST', `/v2/api-keys/${key.id}/rotate`, {})
    expect(rotated.status).toBe(200)
    await pollUntil(
      async () => (await status(b, key.value)) === 401,
      'old value refused on B',
      PROPAGATION_BUDGET_MS,
      POLL_MS,
    )
    expect(await status(b, rotated.json.value)).toBe(200)
    expect(await status(a, key.value)).toBe(401)
  })

  it('with grace: both values work on B, then the old one is refused on B within 1 s of the end', async () => {
    const key = await keyCachedOnB()
    const graceSeconds = 3
    const rotated = await call(a, 'POST', `/v2/api-keys/${key.id}/rotate`, {
      grace_seconds: graceSeconds,
    })
    expect(rotated.status).toBe(200)
    const graceEnds = Date.parse(rotated.json.previous_value_expires_at ?? '')
    expect(graceEnds).toBeGreaterThan(Date.now())
    // B learns of the new value through the feed, and keeps accepting the old one.
    await pollUntil(
      async () => (await status(b, rotated.json.value)) === 200,
      'new value accepted on B',
      PROPAGATION_BUDGET_MS,
      POLL_MS,
    )
    if (Date.now() < graceEnds - 500) {
      expect(await status(b, key.value)).toBe(200)
    }
    // Until the grace ends the old value is accepted; after it, refused on B within a second.
    await pollUntil(
      async () => Date.now() >= graceEnds || (await status(b, key.value)) === 401,
      'grace over',
      graceSeconds * 1000 + 5_000,
      POLL_MS,
    )
    await pollUntil(
      async () => (await status(b, key.value)) === 401,
      'old value refused on B after the grace',
      Math.max(0, graceEnds - Date.now()) + PROPAGATION_BUDGET_MS,
      POLL_MS,
    )
    expect(await status(a, key.value)).toBe(401)
    expect(await status(b, rotated.json.value)).toBe(200)
    expect(await status(a, rotated.json.value)).toBe(200)
  })

  it('a rotation through B during A’s grace ends it on A within 1 s', async () => {
    const key = await keyCachedOnB()
    const first = await call(a, 'POST', `/v2/api-keys/${key.id}/rotate`, { grace_seconds: 3600 })
    expect(await status(a, key.value)).toBe(200)
    const second = await call(b, 'POST', `/v2/api-keys/${key.id}/rotate`, {})
    expect(second.status).toBe(200)
    await pollUntil(
      async () =>
        (await status(a, key.value)) === 401 && (await status(a, first.json.value)) === 401,
      'both earlier values refused on A',
      PROPAGATION_BUDGET_MS,
      POLL_MS,
    )
    expect(await status(a, second.json.value)).toBe(200)
  })
})

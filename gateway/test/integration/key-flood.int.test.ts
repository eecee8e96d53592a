import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKey } from '../../src/keys/api-key.js'
import { seedKey, seedUser } from '../support/seed.js'
import { startGateway, type TestGateway } from '../support/test-app.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

/**
 * Issue 5: a flood of random well-formed keys must not become one database read per key. Each replica keeps the
 * hashes of all keys (read at start, kept current by the change feed) and reads the database for other hashes at
 * most 20 times per second (the default budget).
 */
const BUDGET_PER_SECOND = 20

async function status(gw: TestGateway, key: string): Promise<number> {
  const res = await fetch(`${gw.url}/v2/api-keys`, { headers: { authorization: `Bearer ${key}` } })
  await res.arrayBuffer()
  return res.status
}

/** Spends the replica's budget for unlisted hashes, as a running flood would. */
async function spendBudget(gw: TestGateway): Promise<void> {
  const before = gw.deps.keys.refusedUnlistedCount()
  while (gw.deps.keys.refusedUnlistedCount() === before) {
    await gw.deps.keys.verify(generateKey().value)
  }
}

describe.each(dbTargets())('random-key flood on %s', (target) => {
  let testDb: TestDatabase
  let a: TestGateway
  let b: TestGateway
  let adminKey: string

  beforeAll(async () => {
    testDb = await createTestDatabase(target)
    // B learns of new keys by NOTIFY only: its safety refresh is 10 minutes away.
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

  it('answers a flood of random keys with 401 and at most the per-second budget of database reads', async () => {
    const loadsBefore = b.deps.keys.loadCount()
    const started = Date.now()
    const statuses: number[] = []
    for (let batch = 0; batch < 10; batch++) {
      const keys = Array.from({ length: 50 }, () => generateKey().value)
      statuses.push(...(await Promise.all(keys.map((key) => status(b, key)))))
    }
    const seconds = (Date.now() - started) / 1000
    expect(new Set(statuses)).toEqual(new Set([401]))
    const loads = b.deps.keys.loadCount() - loadsBefore
    // A full bucket to start with, then its refill over however long the flood took on this machine.
    expect(loads).toBeLessThanOrEqual(BUDGET_PER_SECOND + Math.ceil(BUDGET_PER_SECOND * seconds))
    expect(loads).toBeLessThan(statuses.length)
    expect(await status(b, adminKey)).toBe(200)
  })

  it('accepts on B a key created through A while a flood keeps B without budget', async () => {
    const res = await fetch(`${a.url}/v2/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'made-during-flood', scope: ['management'] }),
    })
    expect(res.status).toBe(201)
    const { value } = (await res.json()) as { value: string }
    const deadline = Date.now() + 1_000
    for (;;) {
      await spendBudget(b)
      const seen = await status(b, value)
      if (seen === 200) {
        break
      }
      expect(seen).toBe(401)
      if (Date.now() > deadline) {
        throw new Error('the new key was not accepted on B within 1 s')
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })

  it('refuses on B a key deleted through A, flood or not', async () => {
    const created = await fetch(`${a.url}/v2/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'deleted-during-flood', scope: ['management'] }),
    })
    const key = (await created.json()) as { id: number; value: string }
    await b.deps.changes.catchUp()
    expect(await status(b, key.value)).toBe(200)
    const deleted = await fetch(`${a.url}/v2/api-keys/${key.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${adminKey}` },
    })
    expect(deleted.status).toBe(204)
    await b.deps.changes.catchUp()
    await spendBudget(b)
    expect(await status(b, key.value)).toBe(401)
  })
})

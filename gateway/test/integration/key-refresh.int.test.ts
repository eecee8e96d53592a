import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pollUntil } from '../support/poll.js'
import { type SeededKey, seedKey, seedModel, seedUser } from '../support/seed.js'
import { startTestGateway, type TestGateway } from '../support/test-app.js'
import { type DbTarget, dbTargets, type TestDatabase } from '../support/test-db.js'

/**
 * Changes made outside the change feed (manual SQL, a restore: no cache_events row, no NOTIFY) reach the gateway
 * within KEYGATE_KEY_REFRESH_MS: a cached key older than that is answered from memory while one background read
 * runs, and the answer changes once it lands; the model registry is read again with every refresh. No request
 * for a cached key waits on the database: here the read is held up by a transaction that keeps the table locked.
 */
const REFRESH_MS = 500
const BOUND_MS = REFRESH_MS + 1_000

describe.each(dbTargets())('changes made outside the change feed on %s', (target: DbTarget) => {
  let gw: TestGateway & { testDb: TestDatabase }
  let userId: number

  beforeAll(async () => {
    gw = await startTestGateway(target, { env: { KEYGATE_KEY_REFRESH_MS: String(REFRESH_MS) } })
    userId = (await seedUser(gw.database.db)).id
    await seedModel(gw.database.db, { name: 'chat', instances: [{ url: 'http://127.0.0.1:9' }] })
    await gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await gw?.close()
  })

  /** GET /v1/models, which needs the database for nothing once the key is cached. */
  async function models(key: string): Promise<{ status: number; ids: string[] }> {
    const res = await fetch(`${gw.url}/v1/models`, {
      headers: { authorization: `Bearer ${key}` },
      // A request that waited on the locked table would hang until the lock goes: fail it instead.
      signal: AbortSignal.timeout(10_000),
    })
    const body = (await res.json()) as { data?: { id: string }[] }
    return { status: res.status, ids: (body.data ?? []).map((m) => m.id) }
  }

  async function cachedKey(): Promise<SeededKey> {
    const key = await seedKey(gw.database.db, { userId })
    await gw.deps.changes.catchUp()
    expect((await models(key.value)).status).toBe(200)
    return key
  }

  it('refuses within the bound a key disabled by raw SQL, answering from memory while the re-read waits', async () => {
    const key = await cachedKey()
    let unlock = () => {}
    const locked = new Promise<void>((resolve) => {
      unlock = resolve
    })
    let changed = () => {}
    const isChanged = new Promise<void>((resolve) => {
      changed = resolve
    })
    // Disabled without a change event, and the table kept locked (on PGlite the open transaction alone holds
    // every other query back: one connection).
    const tx = gw.database.db.transaction().execute(async (t) => {
      await t.updateTable('api_keys').set({ is_active: false }).where('id', '=', key.id).execute()
      await sql`lock table api_keys in access exclusive mode`.execute(t)
      changed()
      await locked
    })
    try {
      await isChanged
      // Let the cached entry age past the refresh interval: the next requests start its re-read.
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS + 100))
      for (let i = 0; i < 20; i += 1) {
        expect((await models(key.value)).status).toBe(200)
      }
      if (target === 'postgres') {
        // The re-read really started and is waiting for the lock, while the requests above were answered.
        await pollUntil(
          async () => (await waitingOnLock(gw)) > 0,
          'a key read waiting on the lock',
          5_000,
        )
      }
    } finally {
      unlock()
      await tx
    }
    await pollUntil(async () => (await models(key.value)).status === 401, 'refusal', BOUND_MS)
  })

  it('refuses within the bound a key deleted by raw SQL', async () => {
    const key = await cachedKey()
    await gw.database.db.deleteFrom('api_keys').where('id', '=', key.id).execute()
    await pollUntil(async () => (await models(key.value)).status === 401, 'refusal', BOUND_MS)
  })

  it('accepts within the bound a key re-enabled by raw SQL', async () => {
    const key = await seedKey(gw.database.db, { userId, isActive: false })
    await gw.deps.changes.catchUp()
    expect((await models(key.value)).status).toBe(401)
    await gw.database.db
      .updateTable('api_keys')
      .set({ is_active: true })
      .where('id', '=', key.id)
      .execute()
    await pollUntil(async () => (await models(key.value)).status === 200, 'acceptance', BOUND_MS)
  })

  it('lists within the bound a model inserted by raw SQL', async () => {
    const key = await cachedKey()
    await gw.database.db
      .insertInto('models')
      .values({ name: 'restored', backend: 'vllm', access_policy: 'authed' })
      .execute()
    await pollUntil(
      async () => (await models(key.value)).ids.includes('restored'),
      'the restored model',
      BOUND_MS,
    )
  })
})

/** Queries of this gateway's database that are waiting for a lock (Postgres only). */
async function waitingOnLock(gw: TestGateway): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock' and query like '%api_keys%'`.execute(
    gw.database.db,
  )
  return rows[0]?.n ?? 0
}

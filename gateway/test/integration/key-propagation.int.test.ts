import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordChange } from '../../src/changes/change-feed.js'
import { type Database, openDatabase } from '../../src/db/database.js'
import type { Tables } from '../../src/db/tables.js'
import { hashKey } from '../../src/keys/key-hash.js'
import { pollUntil } from '../support/poll.js'
import { type SeededKey, seedKey, seedUser } from '../support/seed.js'
import { startGateway, type TestGateway } from '../support/test-app.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

/**
 * A change made through one replica is in force on every other within 1 s (LISTEN/NOTIFY), and the
 * KEYGATE_KEY_REFRESH_MS safety refresh catches a change whose notification was lost. Two real gateways share one
 * database; B's refresh is 10 minutes, so only NOTIFY can explain B seeing a change within a second. On Postgres the
 * replicas use separate connection pools; on PGlite they share the in-process instance (its NOTIFY is in-process),
 * which also keeps this file meaningful on a machine without Postgres.
 */
const POLL_MS = 20
const PROPAGATION_BUDGET_MS = 1_000

const within = (budgetMs: number, what: string, check: () => Promise<boolean>) =>
  pollUntil(check, what, budgetMs, POLL_MS)

async function status(gw: TestGateway, key: string, path = '/v2/api-keys'): Promise<number> {
  const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } })
  await res.arrayBuffer()
  return res.status
}

async function call(gw: TestGateway, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return {
    status: res.status,
    json: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
  }
}

describe.each(dbTargets())('key propagation across replicas on %s', (target) => {
  let testDb: TestDatabase
  let a: TestGateway
  let b: TestGateway
  let admin: { id: number; key: string }

  beforeAll(async () => {
    testDb = await createTestDatabase(target)
    const slow = { env: { KEYGATE_KEY_REFRESH_MS: '600000' } }
    a = await startGateway(testDb, slow)
    b = await startGateway(testDb, slow)
    const user = await seedUser(a.database.db, { isAdmin: true })
    const key = await seedKey(a.database.db, {
      userId: user.id,
      scope: ['management', 'inference'],
    })
    admin = { id: user.id, key: key.value }
    await a.deps.changes.catchUp()
    await b.deps.changes.catchUp()
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await testDb?.drop()
  })

  /** A management key made through A and already cached by B. */
  async function keyCachedOnB(body: Record<string, unknown> = {}) {
    const res = await call(a, admin.key, 'POST', '/v2/api-keys', {
      name: `k-${Math.random()}`,
      scope: ['management', 'inference'],
      ...body,
    })
    expect(res.status).toBe(201)
    const value = res.json.value as string
    expect(await status(b, value)).toBe(200)
    return { id: res.json.id as number, value }
  }

  it('rejects on B within 1 s a key deleted through A', async () => {
    const key = await keyCachedOnB()
    expect((await call(a, admin.key, 'DELETE', `/v2/api-keys/${key.id}`)).status).toBe(204)
    expect(await status(a, key.value)).toBe(401)
    await within(
      PROPAGATION_BUDGET_MS,
      'delete on B',
      async () => (await status(b, key.value)) === 401,
    )
  })

  it('rejects on B within 1 s a key disabled through A', async () => {
    const key = await keyCachedOnB()
    await call(a, admin.key, 'PUT', `/v2/api-keys/${key.id}`, { is_active: false })
    await within(
      PROPAGATION_BUDGET_MS,
      'disable on B',
      async () => (await status(b, key.value)) === 401,
    )
  })

  it('applies on B within 1 s a scope edit made through A', async () => {
    const key = await keyCachedOnB()
    await call(a, admin.key, 'PUT', `/v2/api-keys/${key.id}`, { scope: ['inference'] })
    await within(
      PROPAGATION_BUDGET_MS,
      'scope on B',
      async () => (await status(b, key.value)) === 403,
    )
  })

  it('applies on B within 1 s an allowlist edit made through A', async () => {
    const key = await keyCachedOnB({ allowed_model_names: ['old-model'] })
    await call(a, admin.key, 'PUT', `/v2/api-keys/${key.id}`, {
      allowed_model_names: ['new-model'],
    })
    await within(PROPAGATION_BUDGET_MS, 'allowlist on B', async () => {
      const result = await b.deps.keys.verify(key.value)
      return result.ok && [...(result.principal.allowedModelNames ?? [])].join() === 'new-model'
    })
  })

  it('applies on B within 1 s an expiry moved into the past through A', async () => {
    const key = await keyCachedOnB()
    const past = new Date(Date.now() - 1000).toISOString()
    await call(a, admin.key, 'PUT', `/v2/api-keys/${key.id}`, { expires_at: past })
    await within(
      PROPAGATION_BUDGET_MS,
      'expiry on B',
      async () => (await status(b, key.value)) === 401,
    )
  })

  it('rejects on B within 1 s the keys of a user deactivated through A', async () => {
    const user = await seedUser(a.database.db)
    const key = await seedKey(a.database.db, { userId: user.id, scope: ['management'] })
    await b.deps.changes.catchUp()
    expect(await status(b, key.value)).toBe(200)
    const res = await call(a, admin.key, 'PUT', `/v2/users/${user.id}`, { is_active: false })
    expect(res.status).toBe(200)
    await within(
      PROPAGATION_BUDGET_MS,
      'deactivation on B',
      async () => (await status(b, key.value)) === 401,
    )
  })

  it('accepts on B within 1 s a key created through A after B cached its value as unknown', async () => {
    const value = `Late-Created-${Math.random().toString(36).slice(2)}-Xy9!`
    expect(await status(b, value)).toBe(401)
    const res = await call(a, admin.key, 'POST', '/v2/api-keys', {
      name: 'late',
      custom: value,
      scope: ['management'],
    })
    expect(res.status).toBe(201)
    await within(
      PROPAGATION_BUDGET_MS,
      'creation on B',
      async () => (await status(b, value)) === 200,
    )
  })

  it('catches a change whose notification was lost through the safety refresh alone', async () => {
    const c = await startGateway(testDb, { env: { KEYGATE_KEY_REFRESH_MS: '200' } })
    try {
      const key = await keyCachedOnB()
      expect(await status(c, key.value)).toBe(200)
      // B has read the creation: its notification, however late it arrives, starts no read that could find the
      // change below (a late one used to, on a busy machine).
      await b.deps.changes.catchUp()
      // The change and its cache_events row, as recordChange writes them, but without the NOTIFY: a lost message.
      await a.database.db.transaction().execute(async (tx) => {
        await tx
          .updateTable('api_keys')
          .set({ is_active: false })
          .where('id', '=', key.id)
          .execute()
        await tx
          .insertInto('cache_events')
          .values({ kind: 'key', target: hashKey(key.value) })
          .execute()
      })
      await within(5_000, 'refresh on C', async () => (await status(c, key.value)) === 401)
      // B refreshes every 10 minutes and got no notification: it still trusts its cached copy.
      expect(await status(b, key.value)).toBe(200)
    } finally {
      await c.close()
    }
  })
})

// Postgres only: PGlite runs one transaction at a time on its one connection, so its commits follow id order.
describe.each(dbTargets().filter((t) => t === 'postgres'))(
  'out-of-order commits on %s',
  (target) => {
    let testDb: TestDatabase
    let b: TestGateway
    let writer: Database

    beforeAll(async () => {
      testDb = await createTestDatabase(target)
      b = await startGateway(testDb, { env: { KEYGATE_KEY_REFRESH_MS: '600000' } })
      // Another replica's pool: two transactions at once, on two connections.
      writer = await openDatabase(testDb.options)
    })
    afterAll(async () => {
      await writer?.close()
      await b?.close()
      await testDb?.drop()
    })

    const disable = (tx: Kysely<Tables>, key: SeededKey) =>
      tx
        .updateTable('api_keys')
        .set({ is_active: false })
        .where('id', '=', key.id)
        .execute()
        .then(() => recordChange(tx, 'key', hashKey(key.value)))

    it('applies on B within 1 s a change whose transaction commits after one with a higher id', async () => {
      const user = await seedUser(b.database.db)
      const first = await seedKey(b.database.db, { userId: user.id, scope: ['management'] })
      const second = await seedKey(b.database.db, { userId: user.id, scope: ['management'] })
      await b.deps.changes.catchUp()
      expect(await status(b, first.value)).toBe(200)
      expect(await status(b, second.value)).toBe(200)

      let commitFirst = () => {}
      const gate = new Promise<void>((resolve) => {
        commitFirst = resolve
      })
      let firstTookItsId = () => {}
      const tookId = new Promise<void>((resolve) => {
        firstTookItsId = resolve
      })
      const firstTx = writer.db.transaction().execute(async (tx) => {
        await disable(tx, first)
        firstTookItsId()
        await gate
      })
      await tookId
      await writer.db.transaction().execute((tx) => disable(tx, second))
      await within(
        PROPAGATION_BUDGET_MS,
        'the higher id on B',
        async () => (await status(b, second.value)) === 401,
      )
      expect(await status(b, first.value)).toBe(200) // not committed yet
      commitFirst()
      await firstTx
      await within(
        PROPAGATION_BUDGET_MS,
        'the lower id, committed last, on B',
        async () => (await status(b, first.value)) === 401,
      )
      const ids = await writer.db
        .selectFrom('cache_events')
        .select(['id', 'target'])
        .where('target', 'in', [hashKey(first.value), hashKey(second.value)])
        .orderBy('id')
        .execute()
      expect(ids.map((r) => r.target).slice(-2)).toEqual([
        hashKey(first.value),
        hashKey(second.value),
      ])
    })
  },
)

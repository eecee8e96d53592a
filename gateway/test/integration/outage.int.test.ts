import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/database.js'
import { type FakeEngine, startFakeEngine } from '../support/fake-engine.js'
import { deleteSeededKey, type SeededKey, seedKey, seedModel, seedUser } from '../support/seed.js'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js'
import { ADMIN_PASSWORD, startGateway, type TestGateway } from '../support/test-app.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

/** Polls `check` until it returns true (a deadline, not a timing assertion: the test fails only if it never does). */
async function eventually(check: () => Promise<boolean>, what: string, deadlineMs = 40_000) {
  const until = Date.now() + deadlineMs
  for (;;) {
    if (await check()) {
      return
    }
    if (Date.now() > until) {
      throw new Error(`never happened: ${what}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function chat(gw: TestGateway, key: string) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
  })
  const body = (await res.json()) as { error?: { code: string } }
  return { status: res.status, code: body.error?.code }
}

async function requestsOf(gw: TestGateway, keyId: number): Promise<number> {
  const row = await gw.database.db
    .selectFrom('usage_daily')
    .select((eb) => eb.fn.sum<number>('requests').as('n'))
    .where('api_key_id', '=', keyId)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

// On both databases: usage whose write fails (the table is away) waits in memory and is written when it is back.
describe.each(dbTargets())('usage while its table is unavailable on %s', (target) => {
  let testDb: TestDatabase
  let gw: TestGateway
  let engine: FakeEngine
  let key: SeededKey

  beforeAll(async () => {
    engine = await startFakeEngine({ flavour: 'vllm' })
    testDb = await createTestDatabase(target)
    gw = await startGateway(testDb)
    const user = await seedUser(gw.database.db)
    key = await seedKey(gw.database.db, { userId: user.id })
    await seedModel(gw.database.db, { name: 'chat', instances: [{ url: engine.url }] })
    await gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await gw?.close()
    await testDb?.drop()
    await engine?.close()
  })

  it('keeps serving, buffers usage while writes fail, and writes all of it once they succeed', async () => {
    const db = gw.database.db
    await sql`alter table usage_daily rename to usage_daily_away`.execute(db)
    try {
      for (let i = 0; i < 5; i += 1) {
        expect((await chat(gw, key.value)).status).toBe(200)
      }
      await expect(gw.deps.usage.flush()).rejects.toThrow()
    } finally {
      await sql`alter table usage_daily_away rename to usage_daily`.execute(db)
    }
    expect((await chat(gw, key.value)).status).toBe(200)
    await gw.deps.usage.flush()
    expect(await requestsOf(gw, key.id)).toBe(6)
  })
})

// Postgres only: a TCP proxy between the gateway and Postgres is cut while requests keep flowing (PGlite runs
// in-process, so there is no connection to cut).
describe.each(dbTargets().filter((t) => t === 'postgres'))('database outage on %s', (target) => {
  let testDb: TestDatabase
  let proxy: TcpProxy
  let gw: TestGateway
  let engine: FakeEngine
  let cachedKey: SeededKey
  let uncachedKey: SeededKey
  let managementKey: SeededKey
  let sessionCookie: string

  beforeAll(async () => {
    engine = await startFakeEngine({ flavour: 'vllm' })
    testDb = await createTestDatabase(target)
    if (testDb.options.kind !== 'postgres') {
      throw new Error('expected a Postgres test database')
    }
    const direct = new URL(testDb.options.url)
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) })
    const viaProxy = new URL(direct)
    viaProxy.host = `127.0.0.1:${proxy.port}`
    gw = await startGateway(
      {
        ...testDb,
        open: () => openDatabase({ kind: 'postgres', url: viaProxy.toString(), maxConnections: 5 }),
      },
      // No periodic refresh during the test: a change after the outage can only arrive by NOTIFY.
      { env: { KEYGATE_KEY_REFRESH_MS: '600000' } },
    )
    const user = await seedUser(gw.database.db)
    cachedKey = await seedKey(gw.database.db, { userId: user.id })
    uncachedKey = await seedKey(gw.database.db, { userId: user.id })
    managementKey = await seedKey(gw.database.db, { userId: user.id, scope: ['management'] })
    await seedModel(gw.database.db, { name: 'chat', instances: [{ url: engine.url }] })
    await gw.deps.changes.catchUp()
    const login = await fetch(`${gw.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    })
    sessionCookie = login.headers.getSetCookie()[0]?.split(';')[0] ?? ''
    expect((await chat(gw, cachedKey.value)).status).toBe(200)
    const warm = await fetch(`${gw.url}/v2/api-keys`, {
      headers: { authorization: `Bearer ${managementKey.value}` },
    })
    expect(warm.status).toBe(200)
    await gw.deps.usage.flush()
  })
  afterAll(async () => {
    await proxy?.restore()
    await gw?.close()
    await proxy?.close()
    await testDb?.drop()
    await engine?.close()
  })

  it('serves cached keys, answers 503 for the rest, and writes the buffered usage when the database is back', async () => {
    await proxy.cut()
    try {
      for (let i = 0; i < 10; i += 1) {
        expect(await chat(gw, cachedKey.value)).toEqual({ status: 200, code: undefined })
      }
      expect(await chat(gw, uncachedKey.value)).toEqual({
        status: 503,
        code: 'database_unavailable',
      })
      const ready = await fetch(`${gw.url}/readyz`)
      expect(ready.status).toBe(503)
      const me = await fetch(`${gw.url}/v2/users/me`, { headers: { cookie: sessionCookie } })
      expect(me.status).toBe(503)
      expect(((await me.json()) as { error: { code: string } }).error.code).toBe(
        'database_unavailable',
      )
      // A management route that needs the database: 503 (retryable), not 500.
      for (const path of ['/v2/api-keys', '/v2/usage']) {
        const res = await fetch(`${gw.url}${path}`, {
          headers: { authorization: `Bearer ${managementKey.value}` },
        })
        expect([path, res.status]).toEqual([path, 503])
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
          'database_unavailable',
        )
      }
      await expect(gw.deps.usage.flush()).rejects.toThrow()
    } finally {
      await proxy.restore()
    }
    await eventually(
      async () => (await fetch(`${gw.url}/readyz`)).status === 200,
      '/readyz back to 200',
    )
    // The timer writes the buffered usage on its own: 1 request before the cut, 10 during it.
    await eventually(
      async () => (await requestsOf(gw, cachedKey.id)) === 11,
      'buffered usage written',
    )
    expect(await chat(gw, uncachedKey.value)).toEqual({ status: 200, code: undefined })
    expect(
      (await fetch(`${gw.url}/v2/users/me`, { headers: { cookie: sessionCookie } })).status,
    ).toBe(200)
  }, 90_000)

  it('follows changes again after the outage: a key deleted elsewhere is refused here (LISTEN re-subscribed)', async () => {
    expect((await chat(gw, cachedKey.value)).status).toBe(200)
    // Another replica deletes the key, straight on Postgres (not through the cut proxy).
    const other = await openDatabase(testDb.options)
    try {
      await deleteSeededKey(other.db, cachedKey.id)
    } finally {
      await other.close()
    }
    await eventually(
      async () => (await chat(gw, cachedKey.value)).status === 401,
      'the deleted key refused by NOTIFY',
    )
  }, 60_000)

  it('catches up on a change committed while it was cut off, once LISTEN is back', async () => {
    const user = await seedUser(gw.database.db)
    const doomed = await seedKey(gw.database.db, { userId: user.id })
    await gw.deps.changes.catchUp()
    expect((await chat(gw, doomed.value)).status).toBe(200)
    await proxy.cut()
    try {
      // Deleted on Postgres while this replica cannot hear the NOTIFY.
      const other = await openDatabase(testDb.options)
      try {
        await deleteSeededKey(other.db, doomed.id)
      } finally {
        await other.close()
      }
      expect((await chat(gw, doomed.value)).status).toBe(200) // still cached: it cannot know yet
    } finally {
      await proxy.restore()
    }
    await eventually(
      async () => (await chat(gw, doomed.value)).status === 401,
      'the key deleted during the outage refused after it',
      30_000,
    )
  }, 60_000)
})

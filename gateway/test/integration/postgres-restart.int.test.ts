import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { type FakeEngine, startFakeEngine } from '../support/fake-engine.js'
import { type GatewayProcess, spawnGateway } from '../support/gateway-process.js'
import { pollUntil } from '../support/poll.js'
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres.js'
import { deleteSeededKey, type SeededKey, seedKey, seedModel, seedUser } from '../support/seed.js'
import { dbTargets } from '../support/test-db.js'

/**
 * A Postgres restart under steady traffic must not end the gateway. postgres.js 3.4.9 could write to a connection
 * whose socket had already closed (a connection reserved by Kysely and released after its query failed, or a
 * transaction's ROLLBACK), which threw from a setImmediate callback: an uncaught TypeError that killed the
 * process. The real CLI runs as a child process on a Postgres server of the test's own, which is restarted and
 * stopped while requests, writes and LISTEN are active.
 */
const RESTARTS = 4

/** Polls until `check` holds; fails at once, with what it printed, if the gateway process has exited. */
function until(
  gw: GatewayProcess,
  check: () => Promise<boolean>,
  what: string,
  deadlineMs = 30_000,
) {
  return pollUntil(
    async () => {
      if (!gw.isRunning()) {
        throw new Error(`the gateway exited before ${what}: ${gw.stderr()}`)
      }
      return check().catch(() => false)
    },
    what,
    deadlineMs,
    50,
  )
}

describe.each(dbTargets().filter((t) => t === 'postgres'))('a Postgres restart on %s', () => {
  let pg: PrivatePostgres
  let engine: FakeEngine
  let gw: GatewayProcess
  let url: string
  let management: SeededKey
  let steady: SeededKey
  let dataDir: string
  /** Every status the gateway answered, with one example of a 500's body. */
  const statuses = new Map<number, number>()
  let internalError: unknown

  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    })
    const text = await res.text()
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
    if (res.status === 500) {
      internalError ??= { path, text }
    }
    return {
      status: res.status,
      json: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
    }
  }
  const chat = (key: string) =>
    call('POST', '/v1/chat/completions', key, {
      model: 'chat',
      messages: [{ role: 'user', content: 'hi' }],
    })

  /** Creates a key (a transaction with NOTIFY), verifies it uncached, deletes it (another transaction). */
  const keyRoundTrip = async (): Promise<boolean> => {
    const created = await call('POST', '/v2/api-keys', management.value, {
      name: `rt-${Math.random()}`,
      scope: ['inference'],
    })
    if (created.status !== 201) {
      return false
    }
    const used = await chat(created.json.value as string)
    const deleted = await call('DELETE', `/v2/api-keys/${created.json.id}`, management.value)
    return used.status === 200 && deleted.status === 204
  }

  beforeAll(async () => {
    engine = await startFakeEngine({ flavour: 'vllm' })
    pg = await startPrivatePostgres()
    const database = await openDatabase({ kind: 'postgres', url: pg.url, maxConnections: 2 })
    try {
      await migrate(database)
      const user = await seedUser(database.db, { isAdmin: true })
      management = await seedKey(database.db, { userId: user.id, scope: ['management'] })
      steady = await seedKey(database.db, { userId: user.id })
      await seedModel(database.db, { name: 'chat', instances: [{ url: engine.url }] })
    } finally {
      await database.close()
    }
    dataDir = mkdtempSync(join(tmpdir(), 'keygate-restart-'))
    gw = spawnGateway({
      DATABASE_URL: pg.url,
      KEYGATE_DATA_DIR: dataDir,
      KEYGATE_BOOTSTRAP_PASSWORD: 'bootstrap-password-for-restart',
      KEYGATE_SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
      // Only NOTIFY can explain a change seen within the test.
      KEYGATE_KEY_REFRESH_MS: '600000',
    })
    url = await gw.listening()
  }, 120_000)
  afterAll(async () => {
    gw?.child.kill('SIGKILL')
    await gw?.exited
    await pg?.destroy()
    await engine?.close()
    if (dataDir !== undefined) {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('keeps the gateway alive and serving through restarts and a stop under traffic', async () => {
    expect((await chat(steady.value)).status).toBe(200)
    expect(await keyRoundTrip()).toBe(true)
    let stop = false
    const counts = { requests: 0, failures: 0 }
    const loop = async (step: () => Promise<unknown>) => {
      while (!stop && gw.isRunning()) {
        counts.requests += 1
        await step().catch(() => {
          counts.failures += 1
        })
      }
    }
    const traffic = [
      loop(() => call('GET', '/v2/api-keys', management.value)),
      loop(() => call('GET', '/v2/api-keys', management.value)),
      loop(keyRoundTrip),
      loop(keyRoundTrip),
      loop(() => chat(steady.value)),
    ]
    try {
      for (let i = 0; i < RESTARTS; i += 1) {
        await new Promise((r) => setTimeout(r, 400))
        await pg.restart()
        await until(gw, keyRoundTrip, `serving after restart ${i + 1}`)
      }
      await pg.stop()
      await new Promise((r) => setTimeout(r, 1_000))
      // Down: the cached key keeps working (and nothing dies while every query is refused).
      expect((await chat(steady.value)).status).toBe(200)
      await pg.start()
      await until(gw, keyRoundTrip, 'serving after the stop')
    } finally {
      stop = true
      await Promise.all(traffic)
    }
    expect(gw.isRunning(), `the gateway exited: ${gw.stderr()}`).toBe(true)
    expect(gw.stderr()).not.toMatch(/TypeError|uncaught/i)
    expect(gw.lines.filter((l) => Number(l.level) >= 60)).toEqual([])
    expect(counts.requests).toBeGreaterThan(RESTARTS * 10)
    // A lost connection is a retryable 503 (database_unavailable), never a 500.
    expect(internalError).toBeUndefined()
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0)

    // LISTEN is back: a key deleted by another replica (straight on Postgres) is refused here.
    expect((await chat(steady.value)).status).toBe(200)
    const other = await openDatabase({ kind: 'postgres', url: pg.url, maxConnections: 1 })
    try {
      await deleteSeededKey(other.db, steady.id)
    } finally {
      await other.close()
    }
    await until(
      gw,
      async () => (await chat(steady.value)).status === 401,
      'the deleted key refused',
    )
  }, 180_000)
})

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordChange } from '../../src/changes/change-feed.js'
import { type Database, openDatabase } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { type FakeEngine, startFakeEngine, waitUntil } from '../support/fake-engine.js'
import { type GatewayProcess, spawnGateway } from '../support/gateway-process.js'
import { readChunks } from '../support/proxy-fixture.js'
import { type SeededKey, seedKey, seedModel, seedUser } from '../support/seed.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

/**
 * What an error nobody handled does to the real gateway process: an unhandled rejection is logged and serving
 * goes on; an uncaught exception drains and exits 1. The faults come from outside the gateway's code, loaded with
 * `node --import` (test/support/inject-fault.ts) and fired by SIGUSR2; the gateway has no hook for them. A real
 * failing change handler is the last case: a model registry reload that fails during the safety refresh.
 */
const BASE_ENV = {
  KEYGATE_BOOTSTRAP_PASSWORD: 'bootstrap-password-for-errors',
  KEYGATE_SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
}
const TOKENS = Array.from({ length: 10 }, (_, i) => `t${i} `)

function chat(url: string, key: string, model = 'chat', stream = false) {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }),
  })
}

const messagesOf = (gw: GatewayProcess, msg: string) => gw.lines.filter((l) => l.msg === msg)

describe('unexpected errors in the gateway process', () => {
  const cleanups: (() => Promise<unknown> | undefined)[] = []
  let engine: FakeEngine
  let key: SeededKey
  let dataDir: string

  beforeAll(async () => {
    engine = await startFakeEngine({
      flavour: 'vllm',
      script: (r) =>
        r.body.includes('"stream":true')
          ? { kind: 'slow', gapMs: 100, tokens: TOKENS }
          : { kind: 'normal' },
    })
    dataDir = mkdtempSync(join(tmpdir(), 'keygate-errors-'))
    // An on-disk PGlite has one process at a time: arrange it, then hand it to each child in turn.
    const database = await openDatabase({ kind: 'pglite', dataDir })
    await migrate(database)
    const user = await seedUser(database.db)
    key = await seedKey(database.db, { userId: user.id })
    await seedModel(database.db, { name: 'chat', instances: [{ url: engine.url }] })
    await database.close()
  })
  afterAll(async () => {
    for (const c of cleanups.reverse()) {
      await c()
    }
    await engine?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  function start(fault: string): GatewayProcess {
    const gw = spawnGateway({ ...BASE_ENV, KEYGATE_DATA_DIR: dataDir, KEYGATE_TEST_FAULT: fault }, [
      '--import',
      './gateway/test/support/inject-fault.ts',
    ])
    cleanups.push(() => {
      gw.child.kill('SIGKILL')
      return gw.exited
    })
    return gw
  }

  it('logs an unhandled rejection at error level and keeps serving', async () => {
    const gw = start('unhandled-rejection')
    const url = await gw.listening()
    expect((await chat(url, key.value)).status).toBe(200)
    gw.child.kill('SIGUSR2')
    const line = await gw.logLine('unhandled promise rejection; still serving')
    expect(line.level).toBe(50)
    expect(JSON.stringify(line.err)).toContain('injected: a rejection nobody handles')
    expect((await chat(url, key.value)).status).toBe(200)
    expect(gw.isRunning()).toBe(true)
    gw.child.kill('SIGTERM')
    expect(await gw.exited).toBe(0)
  }, 60_000)

  it('after an uncaught exception finishes the running stream, then exits 1', async () => {
    const gw = start('uncaught-exception')
    const url = await gw.listening()
    const res = await chat(url, key.value, 'chat', true)
    expect(res.status).toBe(200)
    gw.child.kill('SIGUSR2')
    const line = await gw.logLine('uncaught exception; draining, then exiting')
    expect(line.level).toBe(60)
    await gw.logLine('shutting down: draining requests')
    const text = (await readChunks(res)).join('')
    for (const token of TOKENS) {
      expect(text).toContain(JSON.stringify(token))
    }
    expect(await gw.exited).toBe(1)
  }, 60_000)
})

// Postgres only: the test changes the database under a running child process, which an on-disk PGlite forbids.
describe.each(dbTargets().filter((t) => t === 'postgres'))(
  'a change handler failing in the safety refresh on %s',
  (target) => {
    let testDb: TestDatabase
    let database: Database
    let engine: FakeEngine
    let gw: GatewayProcess
    let dataDir: string

    beforeAll(async () => {
      engine = await startFakeEngine({ flavour: 'vllm' })
      testDb = await createTestDatabase(target)
      database = await testDb.open()
      await migrate(database)
      dataDir = mkdtempSync(join(tmpdir(), 'keygate-refresh-'))
    })
    afterAll(async () => {
      gw?.child.kill('SIGKILL')
      await gw?.exited
      await database?.close()
      await testDb?.drop()
      await engine?.close()
      rmSync(dataDir, { recursive: true, force: true })
    })

    it('logs the failed model registry reloads and keeps serving; a reload after the table is back lands the change', async () => {
      if (testDb.options.kind !== 'postgres') {
        throw new Error('expected a Postgres test database')
      }
      const db = database.db
      const user = await seedUser(db)
      const key = await seedKey(db, { userId: user.id })
      await seedModel(db, { name: 'chat', instances: [{ url: engine.url }] })
      gw = spawnGateway({
        ...BASE_ENV,
        KEYGATE_DATA_DIR: dataDir,
        DATABASE_URL: testDb.options.url,
        KEYGATE_KEY_REFRESH_MS: '300',
      })
      const url = await gw.listening()
      expect((await chat(url, key.value)).status).toBe(200)

      // Every registry reload now fails (it reads model_instances); the change feed's own reads still work.
      await sql`alter table model_instances rename to model_instances_away`.execute(db)
      try {
        await db.transaction().execute(async (tx) => {
          const row = await tx
            .insertInto('models')
            .values({ name: 'later', backend: 'vllm', access_policy: 'authed' })
            .returning('id')
            .executeTakeFirstOrThrow()
          await recordChange(tx, 'model', String(row.id))
        })
        const unhandled = () => messagesOf(gw, 'unhandled promise rejection; still serving')
        await waitUntil(
          () =>
            messagesOf(gw, 'periodic re-read failed').length >= 3 ||
            unhandled().length > 0 ||
            !gw.isRunning(),
          20_000,
          'three failed periodic re-reads',
        )
        expect(unhandled()).toEqual([])
        expect(gw.isRunning(), gw.stderr()).toBe(true)
        expect((await chat(url, key.value)).status).toBe(200)
        expect((await fetch(`${url}/healthz`)).status).toBe(200)
      } finally {
        await sql`alter table model_instances_away rename to model_instances`.execute(db)
      }
      const models = async () => {
        const res = await fetch(`${url}/v1/models`, {
          headers: { authorization: `Bearer ${key.value}` },
        })
        return ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id)
      }
      const deadline = Date.now() + 10_000
      while (!(await models()).includes('later') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(await models()).toEqual(['chat', 'later'])
    }, 60_000)
  },
)

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type Database, openDatabase } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { FAKE_PROMPT_TOKENS, startFakeEngine } from '../support/fake-engine.js'
import { spawnGateway } from '../support/gateway-process.js'
import { readChunks } from '../support/proxy-fixture.js'
import { seedKey, seedModel, seedUser } from '../support/seed.js'
import { createTestDatabase, type DbTarget, dbTargets } from '../support/test-db.js'

const TOKENS = Array.from({ length: 20 }, (_, i) => `t${i} `)

describe.each(dbTargets())('graceful shutdown of the real process on %s', (target: DbTarget) => {
  const cleanups: (() => Promise<void> | void)[] = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) {
      await c()
    }
  })

  it('on SIGTERM refuses new connections, finishes the running stream, writes its usage and exits 0', async () => {
    const engine = await startFakeEngine({
      flavour: 'vllm',
      script: { kind: 'slow', gapMs: 150, tokens: TOKENS },
    })
    cleanups.push(() => engine.close())
    const dataDir = mkdtempSync(join(tmpdir(), 'keygate-shutdown-'))
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))

    // Arrange the database, then hand it over to the child (an on-disk PGlite has one process at a time).
    const testDb = target === 'postgres' ? await createTestDatabase('postgres') : undefined
    const reopen = (): Promise<Database> =>
      testDb === undefined ? openDatabase({ kind: 'pglite', dataDir }) : testDb.open()
    let database = await reopen()
    await migrate(database)
    const user = await seedUser(database.db)
    const key = await seedKey(database.db, { userId: user.id })
    await seedModel(database.db, { name: 'slow-chat', instances: [{ url: engine.url }] })
    if (testDb === undefined) {
      await database.close()
    }
    const env: Record<string, string> = {
      KEYGATE_DATA_DIR: dataDir,
      KEYGATE_BOOTSTRAP_PASSWORD: 'bootstrap-password-for-shutdown',
      KEYGATE_SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
    }
    if (testDb !== undefined && testDb.options.kind === 'postgres') {
      env.DATABASE_URL = testDb.options.url
    }
    const gw = spawnGateway(env)
    cleanups.push(() => {
      gw.child.kill('SIGKILL')
    })
    const listening = await gw.logLine('keygate listening')
    const url = `http://127.0.0.1:${listening.port}`

    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.value}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'slow-chat',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    })
    expect(res.status).toBe(200)
    const reader = res.body?.getReader()
    const first = await reader?.read()
    expect(first?.done).toBe(false)

    gw.child.kill('SIGTERM')
    await gw.logLine('shutting down: draining requests')
    // Accepting has stopped: a new connection is refused while the stream is still running.
    await expect(fetch(`${url}/healthz`)).rejects.toThrow()
    expect(engine.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)?.completed).toBe(
      false,
    )

    const rest =
      res.body === null || reader === undefined
        ? []
        : await readChunks(new Response(streamFrom(reader)))
    const text = new TextDecoder().decode(first?.value) + rest.join('')
    for (const token of TOKENS) {
      expect(text).toContain(JSON.stringify(token))
    }
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true)

    expect(await gw.exited).toBe(0)
    expect(gw.lines.map((l) => l.msg)).toContain('shutdown complete')

    if (testDb === undefined) {
      database = await reopen()
    }
    try {
      const usage = await database.db
        .selectFrom('usage_daily')
        .select(['requests', 'prompt_tokens', 'completion_tokens', 'errors'])
        .where('api_key_id', '=', key.id)
        .execute()
      expect(usage).toEqual([
        {
          requests: 1,
          prompt_tokens: FAKE_PROMPT_TOKENS,
          completion_tokens: TOKENS.length,
          errors: 0,
        },
      ])
    } finally {
      await database.close()
      await testDb?.drop()
    }
  }, 120_000)
})

/** The rest of a body whose first chunk was already read. */
function streamFrom(reader: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async pull(ctrl) {
      const { done, value } = await reader.read()
      if (done) {
        ctrl.close()
        return
      }
      ctrl.enqueue(value)
    },
  })
}

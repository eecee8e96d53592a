import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config.js'
import { closeDeps, createDeps } from '../../src/deps.js'
import { createLogger } from '../../src/observability/logger.js'
import { startServer } from '../../src/server.js'
import { ADMIN_PASSWORD, startGateway } from '../support/test-app.js'
import { createTestDatabase, postgresAdminUrl } from '../support/test-db.js'

/**
 * The backup and restore commands of docs/operations.md, run as written: what was restored serves the same keys
 * and the same admin password.
 */

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) {
    await fn()
  }
})

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function createKey(url: string): Promise<string> {
  const login = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  })
  expect(login.status).toBe(200)
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const res = await fetch(`${url}/v2/api-keys`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({ name: 'backed-up', scope: ['management'] }),
  })
  expect(res.status).toBe(201)
  return ((await res.json()) as { value: string }).value
}

async function keyWorks(url: string, key: string): Promise<boolean> {
  const res = await fetch(`${url}/v2/users/me`, { headers: { authorization: `Bearer ${key}` } })
  await res.arrayBuffer()
  return res.status === 200
}

async function passwordWorks(url: string): Promise<boolean> {
  const res = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  })
  await res.arrayBuffer()
  return res.status === 200
}

/** A gateway on the embedded database in `dataDir`, as `npm start` runs it. */
async function startEmbedded(dataDir: string) {
  const parsed = parseConfig({
    LOG_LEVEL: 'silent',
    KEYGATE_DATA_DIR: dataDir,
    KEYGATE_BOOTSTRAP_PASSWORD: ADMIN_PASSWORD,
  })
  if (!parsed.ok) {
    throw new Error(parsed.problems.join('; '))
  }
  const deps = await createDeps(parsed.config, { logger: createLogger('silent') })
  const server = await startServer(deps, '127.0.0.1', 0)
  return {
    url: `http://127.0.0.1:${server.port}`,
    stop: async () => {
      await server.stop(1_000)
      await closeDeps(deps)
    },
  }
}

describe('backup and restore', () => {
  it('embedded database: a data directory archived after a stop and unpacked elsewhere serves the same keys', async () => {
    const home = tempDir('keygate-backup-')
    const original = join(home, 'data')
    const first = await startEmbedded(original)
    const key = await createKey(first.url)
    expect(await keyWorks(first.url, key)).toBe(true)
    await first.stop()

    // docs/operations.md: stop the gateway, then archive the whole data directory.
    execFileSync('tar', ['-C', home, '-czf', join(home, 'keygate-data.tgz'), 'data'])
    const restoredHome = tempDir('keygate-restore-')
    execFileSync('tar', ['-C', restoredHome, '-xzf', join(home, 'keygate-data.tgz')])

    const restored = await startEmbedded(join(restoredHome, 'data'))
    cleanup.push(() => restored.stop())
    expect(await keyWorks(restored.url, key)).toBe(true)
    expect(await passwordWorks(restored.url)).toBe(true)
  })

  it.runIf(postgresAdminUrl() !== undefined || process.env.CI === 'true')(
    'Postgres: pg_dump of a live database restored with pg_restore into a new one serves the same keys',
    async () => {
      const source = await createTestDatabase('postgres')
      cleanup.push(() => source.drop())
      const gw = await startGateway(source)
      cleanup.push(() => gw.close())
      const key = await createKey(gw.url)
      if (source.options.kind !== 'postgres') {
        throw new Error('expected a Postgres test database')
      }
      const dump = join(tempDir('keygate-pgdump-'), 'keygate.dump')
      // docs/operations.md, as written (online: pg_dump reads one consistent snapshot).
      execFileSync('pg_dump', [
        '--format=custom',
        '--no-owner',
        `--dbname=${source.options.url}`,
        `--file=${dump}`,
      ])

      const target = await createTestDatabase('postgres')
      cleanup.push(() => target.drop())
      if (target.options.kind !== 'postgres') {
        throw new Error('expected a Postgres test database')
      }
      execFileSync('pg_restore', ['--no-owner', `--dbname=${target.options.url}`, dump])
      const restored = await startGateway(target)
      cleanup.push(() => restored.close())
      expect(await keyWorks(restored.url, key)).toBe(true)
      expect(await passwordWorks(restored.url)).toBe(true)
      const sql = postgres(target.options.url, { max: 1, onnotice: () => {} })
      cleanup.push(() => sql.end())
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from kysely_migration`
      expect(row?.n).toBeGreaterThan(0)
    },
  )
})

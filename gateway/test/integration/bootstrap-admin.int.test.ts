import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { runDatabaseCommand } from '../../src/cli/embedded-access.js'
import { runResetAdminPassword } from '../../src/cli/reset-admin-password.js'
import { parseConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/database.js'
import { verifyPassword } from '../../src/users/password.js'
import { startGateway, type TestGateway } from '../support/test-app.js'
import {
  createTestDatabase,
  type DbTarget,
  dbTargets,
  type TestDatabase,
} from '../support/test-db.js'

const GENERATE = { KEYGATE_BOOTSTRAP_PASSWORD: '' } // empty means unset: the password is generated

function capture() {
  const lines: string[] = []
  return { lines, destination: { write: (s: string) => void lines.push(s) } }
}

function passwordFile(gw: TestGateway): string {
  return join(gw.deps.config.dataDir, 'initial_admin_password')
}

async function login(gw: TestGateway, username: string, password: string) {
  return fetch(`${gw.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
}

describe.each(dbTargets())('bootstrap admin on %s', (target) => {
  const cleanup: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) {
      await fn()
    }
  })
  async function freshDb(): Promise<TestDatabase> {
    const testDb = await createTestDatabase(target)
    cleanup.push(() => testDb.drop())
    return testDb
  }
  async function start(testDb: TestDatabase, options: Parameters<typeof startGateway>[1]) {
    const gw = await startGateway(testDb, options)
    cleanup.push(() => gw.close())
    return gw
  }

  it('generates a password, writes it 0600 to the data dir, logs it once and nowhere else', async () => {
    const testDb = await freshDb()
    const log = capture()
    const gw = await start(testDb, { env: GENERATE, logDestination: log.destination })
    const file = passwordFile(gw)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const password = readFileSync(file, 'utf8').trim()
    expect(password.length).toBeGreaterThanOrEqual(20)

    const res = await login(gw, 'admin', password)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ is_admin: true, require_password_change: true })
    const cookie = res.headers.getSetCookie()[0]?.split(';')[0] ?? ''
    const changed = await fetch(`${gw.url}/auth/update-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ current_password: password, new_password: 'chosen-by-admin-1' }),
    })
    expect(changed.status).toBe(200)
    expect(await changed.json()).toMatchObject({ require_password_change: false })

    const mentions = log.lines.filter((l) => l.includes(password))
    expect(mentions).toHaveLength(1)
    expect(JSON.parse(mentions[0] ?? '{}')).toMatchObject({
      level: 40,
      username: 'admin',
      passwordFile: file,
    })
    expect(log.lines.join('\n')).not.toContain('chosen-by-admin-1')
    const audit = await sql<{
      t: string
    }>`select coalesce(string_agg(details::text || action, ' '), '') as t from audit_events`.execute(
      gw.database.db,
    )
    expect(audit.rows[0]?.t).not.toContain(password)
  })

  it('leaves an existing admin alone when another replica starts', async () => {
    const testDb = await freshDb()
    const first = await start(testDb, { env: GENERATE })
    const password = readFileSync(passwordFile(first), 'utf8').trim()
    const log = capture()
    const second = await start(testDb, { env: GENERATE, logDestination: log.destination })
    expect(existsSync(passwordFile(second))).toBe(false)
    expect(log.lines.join('\n')).not.toContain('created user admin')
    expect((await login(second, 'admin', password)).status).toBe(200)
  })

  it('creates the admin once when replicas start at the same moment', async () => {
    const testDb = await freshDb()
    const gws = await Promise.all([1, 2, 3].map(() => start(testDb, { env: GENERATE })))
    expect(gws.filter((gw) => existsSync(passwordFile(gw)))).toHaveLength(1)
    const rows = await gws[0]!.database.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'user.bootstrap_admin')
      .execute()
    expect(rows).toHaveLength(1)
  })

  it('re-activates admin with KEYGATE_BOOTSTRAP_PASSWORD when no active admin is left', async () => {
    const testDb = await freshDb()
    const first = await start(testDb, {})
    await first.database.db.updateTable('users').set({ is_active: false }).execute()
    const second = await start(testDb, { env: { KEYGATE_BOOTSTRAP_PASSWORD: 'rescue-password-1' } })
    expect(existsSync(passwordFile(second))).toBe(false)
    const res = await login(second, 'admin', 'rescue-password-1')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ is_active: true, require_password_change: false })
  })
})

// An on-disk PGlite takes seconds to open, and each CLI run opens it once more.
describe.each(dbTargets())(
  'keygate reset-admin-password on %s',
  { timeout: 120_000 },
  (target: DbTarget) => {
    const cleanup: (() => Promise<void>)[] = []
    afterEach(async () => {
      vi.restoreAllMocks()
      for (const fn of cleanup.splice(0).reverse()) {
        await fn()
      }
    })

    /** A config pointing at a fresh database: a new Postgres database, or an on-disk PGlite in a temp dir. */
    async function setup() {
      const dataDir = mkdtempSync(join(tmpdir(), 'keygate-cli-'))
      cleanup.push(async () => rmSync(dataDir, { recursive: true, force: true }))
      const env: Record<string, string> = { KEYGATE_DATA_DIR: dataDir }
      let options = { kind: 'pglite', dataDir } as Parameters<typeof openDatabase>[0]
      if (target === 'postgres') {
        const testDb = await createTestDatabase('postgres')
        cleanup.push(() => testDb.drop())
        options = testDb.options
        if (options.kind === 'postgres') {
          env.DATABASE_URL = options.url
        }
      }
      const parsed = parseConfig(env)
      if (!parsed.ok) {
        throw new Error(parsed.problems.join('; '))
      }
      const readAdmin = async () => {
        const database = await openDatabase(options)
        try {
          return await database.db
            .selectFrom('users')
            .select(['password_hash', 'is_admin', 'is_active', 'require_password_change'])
            .where('username', '=', 'admin')
            .executeTakeFirstOrThrow()
        } finally {
          await database.close()
        }
      }
      const deactivateAdmin = async () => {
        const database = await openDatabase(options)
        await database.db.updateTable('users').set({ is_active: false, is_admin: false }).execute()
        await database.close()
      }
      return { config: parsed.config, readAdmin, deactivateAdmin }
    }

    it('sets a given password and re-activates admin', async () => {
      const { config, readAdmin, deactivateAdmin } = await setup()
      vi.spyOn(console, 'log').mockImplementation(() => {})
      expect(
        await runDatabaseCommand(config, 'reset-admin-password', runResetAdminPassword, [
          '--password',
          'first-password-1',
        ]),
      ).toBe(0)
      await deactivateAdmin()
      expect(
        await runDatabaseCommand(config, 'reset-admin-password', runResetAdminPassword, [
          '--password',
          'second-password-2',
        ]),
      ).toBe(0)
      const admin = await readAdmin()
      expect(admin).toMatchObject({
        is_admin: true,
        is_active: true,
        require_password_change: false,
      })
      expect(await verifyPassword('second-password-2', admin.password_hash)).toBe(true)
    })

    it('generates, prints once and requires a change when no password is given', async () => {
      const { config, readAdmin } = await setup()
      const printed: string[] = []
      vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(args.join(' '))
      })
      expect(
        await runDatabaseCommand(config, 'reset-admin-password', runResetAdminPassword, []),
      ).toBe(0)
      const match = /New password for user admin: (\S+)/.exec(printed.join('\n'))
      expect(match).not.toBeNull()
      const admin = await readAdmin()
      expect(admin.require_password_change).toBe(true)
      expect(await verifyPassword(match![1]!, admin.password_hash)).toBe(true)
    })

    it('refuses a password shorter than 8 characters', async () => {
      const { config } = await setup()
      vi.spyOn(console, 'error').mockImplementation(() => {})
      expect(
        await runDatabaseCommand(config, 'reset-admin-password', runResetAdminPassword, [
          '--password',
          'short',
        ]),
      ).toBe(2)
    })
  },
)

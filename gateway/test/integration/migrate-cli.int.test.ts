import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { runDatabaseCommand } from '../../src/cli/embedded-access.js'
import { runMigrate } from '../../src/cli/migrate.js'
import { parseConfig } from '../../src/config.js'
import { MIGRATIONS } from '../../src/db/migrate.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

describe.each(dbTargets())('keygate migrate on %s', (target) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keygate-migrate-'))
  let testDb: TestDatabase | undefined
  afterAll(async () => {
    await testDb?.drop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  /** Runs the command in-process and returns what it printed. */
  async function migrateCommand(env: Record<string, string>): Promise<string[]> {
    const parsed = parseConfig({ KEYGATE_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env })
    if (!parsed.ok) {
      throw new Error(parsed.problems.join('; '))
    }
    const out = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      expect(await runDatabaseCommand(parsed.config, 'migrate', runMigrate, [])).toBe(0)
      return out.mock.calls.map((args) => args.join(' '))
    } finally {
      out.mockRestore()
    }
  }

  it('prints each migration it applied, and then that the database is up to date', async () => {
    const env: Record<string, string> = {}
    if (target === 'postgres') {
      testDb = await createTestDatabase('postgres')
      env.DATABASE_URL = testDb.options.kind === 'postgres' ? testDb.options.url : ''
    }
    const all = Object.keys(MIGRATIONS).sort()
    expect(all.length).toBeGreaterThan(0)
    expect(await migrateCommand(env)).toEqual([
      ...all.map((name) => `applied ${name}`),
      `${all.length} migration(s) applied (${target})`,
    ])
    expect(await migrateCommand(env)).toEqual([`the database (${target}) is up to date`])
  })
})

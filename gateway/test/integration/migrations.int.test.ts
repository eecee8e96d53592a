import { type Kysely, type Migration, sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { MIGRATIONS, migrate } from '../../src/db/migrate.js'
import { TABLE_COLUMNS, type Tables } from '../../src/db/tables.js'
import { seedKey, seedModel, seedUser } from '../support/seed.js'
import { readSchema010Sql } from '../support/sql-files.js'
import { startGateway } from '../support/test-app.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

/** This version's own migrations, in the order they run. */
const ALL = Object.keys(MIGRATIONS).sort()

type Row = Record<string, unknown>

/** Test-only: a second migration, as a later release would ship one; it adds a column 0.1.0's code ignores. */
const ADD_COLUMN: Migration = {
  up: async (db) => {
    await sql`alter table api_keys add column test_note text not null default 'none'`.execute(db)
  },
}

async function recorded(db: Kysely<Tables>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
    db,
  )
  return rows.rows.map((r) => r.name)
}

/** Every row of every table that exists (a table a later migration adds is absent before it), in a stable order. */
async function allRows(db: Kysely<Tables>): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {}
  for (const table of Object.keys(TABLE_COLUMNS)) {
    // A table a later migration added (replica_heartbeats) is not in a 0.1.0 database yet.
    const exists = await sql<{ t: string | null }>`select to_regclass(${table})::text as t`.execute(
      db,
    )
    if (exists.rows[0]?.t == null) {
      continue
    }
    const rows = await sql<Row>`select * from ${sql.table(table)}`.execute(db)
    out[table] = rows.rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
  }
  return out
}

/**
 * The rows as 0.1.0 saw them: tables and columns a later migration added are left out (each column is nullable or
 * has a default, so 0.1.0's rows are unchanged by it).
 */
function asOf(rows: Record<string, Row[]>, old: Record<string, Row[]>): Record<string, Row[]> {
  const out: Record<string, Row[]> = {}
  for (const [table, list] of Object.entries(rows)) {
    if (!(table in old)) {
      continue // a table 0.1.0 did not have
    }
    const columns = Object.keys(old[table]?.[0] ?? {})
    out[table] = list.map((row) =>
      columns.length === 0 ? row : Object.fromEntries(columns.map((c) => [c, row[c]])),
    )
  }
  return out
}

describe.each(dbTargets())('migrations on %s', (target) => {
  const made: TestDatabase[] = []
  const opened: Database[] = []
  afterAll(async () => {
    if (target === 'postgres') {
      for (const database of opened) {
        await database.close()
      }
    }
    for (const testDb of made) {
      await testDb.drop()
    }
  })

  async function fresh(): Promise<{ testDb: TestDatabase; database: Database }> {
    const testDb = await createTestDatabase(target)
    made.push(testDb)
    const database = await testDb.open()
    opened.push(database)
    return { testDb, database }
  }

  describe('a database made by 0.1.0, upgraded in place', () => {
    let old: Awaited<ReturnType<typeof fresh>>
    let before: Record<string, Row[]>
    let keyValue: string

    it("records this version's migrations as run and keeps every row", async () => {
      old = await fresh()
      const db = old.database.db
      // The old start-up: schema.sql applied as a script, no migration table.
      await old.database.execScript(await readSchema010Sql())
      const user = await seedUser(db, { username: 'old-user' })
      const key = await seedKey(db, {
        userId: user.id,
        name: 'old-key',
        scope: ['inference', 'management'],
      })
      keyValue = key.value
      const model = await seedModel(db, {
        name: 'old-model',
        instances: [{ url: 'http://127.0.0.1:9' }],
      })
      await db
        .insertInto('usage_daily')
        .values({ api_key_id: key.id, model: 'old-model', day: '2026-11-01', requests: 3 })
        .execute()
      await db.insertInto('settings').values({ key: 'old-setting', value: 'kept' }).execute()
      await db
        .insertInto('audit_events')
        .values({ action: 'model.create', target_type: 'model', target_id: String(model.id) })
        .execute()
      before = await allRows(db)
      expect(before.usage_daily).toHaveLength(1)

      await expect(migrate(old.database)).resolves.toEqual({ applied: ALL, newer: [] })

      expect(await recorded(db)).toEqual(ALL)
      expect(asOf(await allRows(db), before)).toEqual(before)
      // 0003: existing usage gets its key's name and owner, to be reported once the key is gone.
      const usage = await db
        .selectFrom('usage_daily')
        .select(['api_key_name', 'user_id', 'username'])
        .execute()
      expect(usage).toEqual([{ api_key_name: 'old-key', user_id: user.id, username: 'old-user' }])
    })

    it('applies a later migration on top, still keeping the data', async () => {
      const next = { ...MIGRATIONS, '9999_test_add_column': ADD_COLUMN }
      await expect(migrate(old.database, next)).resolves.toEqual({
        applied: ['9999_test_add_column'],
        newer: [],
      })
      expect(await recorded(old.database.db)).toEqual([...ALL, '9999_test_add_column'])
      const after = await allRows(old.database.db)
      expect(after.api_keys?.map((r) => r.test_note)).toEqual(['none'])
      expect(asOf(after, before)).toEqual(before)
    })

    it('lets this version run on the database the newer one migrated (a rolling upgrade)', async () => {
      await expect(migrate(old.database)).resolves.toEqual({
        applied: [],
        newer: ['9999_test_add_column'],
      })
      const gw = await startGateway(old.testDb)
      try {
        expect((await fetch(`${gw.url}/readyz`)).status).toBe(200)
        const res = await fetch(`${gw.url}/v2/api-keys`, {
          headers: { authorization: `Bearer ${keyValue}` },
        })
        expect(res.status).toBe(200)
        expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(1)
      } finally {
        await gw.close()
      }
    })

    it('refuses a history that a later release of this version cannot have', async () => {
      const sideways = { ...MIGRATIONS, '0002_test_never_run': ADD_COLUMN }
      await expect(migrate(old.database, sideways)).rejects.toThrow(
        /does not know \(9999_test_add_column\) but lacks its own \(0002_test_never_run\)/,
      )
    })
  })

  describe('a migration that fails', () => {
    it('is rolled back with the rest of its run and not recorded', async () => {
      const { database } = await fresh()
      const failing: Migration = {
        up: async (db) => {
          await sql`create table test_half (id integer)`.execute(db)
          await sql`select 1 / 0`.execute(db)
        },
      }
      await expect(
        migrate(database, { ...MIGRATIONS, '9999_test_fails': failing }),
      ).rejects.toThrow(/^migration 9999_test_fails failed: division by zero$/)
      const left = await sql<{ t: string | null; u: string | null }>`
        select to_regclass('test_half')::text as t, to_regclass('users')::text as u`.execute(
        database.db,
      )
      expect(left.rows[0]).toEqual({ t: null, u: null })
      expect(await recorded(database.db)).toEqual([])
      await expect(migrate(database)).resolves.toEqual({ applied: ALL, newer: [] })
    })
  })

  describe('replicas starting together', () => {
    it('two migrators at once on a fresh database both succeed, and each migration runs once', async () => {
      const { testDb, database: first } = await fresh()
      const second = await testDb.open()
      opened.push(second)
      // Not idempotent on purpose (a second run fails on create table), and slow enough to overlap.
      const once: Migration = {
        up: async (db) => {
          await sql`select pg_sleep(0.3)`.execute(db)
          await sql`create table test_once (id integer primary key)`.execute(db)
          await sql`insert into test_once values (1)`.execute(db)
        },
      }
      const list = { ...MIGRATIONS, '9999_test_once': once }
      const outcomes = await Promise.all([migrate(first, list), migrate(second, list)])
      expect(outcomes.map((o) => o.applied.length).sort()).toEqual([0, ALL.length + 1])
      expect(outcomes.flatMap((o) => o.applied)).toEqual([...ALL, '9999_test_once'])
      expect(await recorded(first.db)).toEqual([...ALL, '9999_test_once'])
      const rows = await sql<{ n: number }>`select count(*)::int as n from test_once`.execute(
        first.db,
      )
      expect(rows.rows[0]?.n).toBe(1)
    })

    it('two gateways started at once on a fresh database both become ready', async () => {
      const { testDb, database } = await fresh()
      const gws = await Promise.all([startGateway(testDb), startGateway(testDb)])
      try {
        for (const gw of gws) {
          expect((await fetch(`${gw.url}/readyz`)).status).toBe(200)
        }
        expect(await recorded(database.db)).toEqual(ALL)
      } finally {
        for (const gw of gws) {
          await gw.close()
        }
      }
    })
  })
})

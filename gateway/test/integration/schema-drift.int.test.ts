import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { type SchemaSnapshot, snapshotSchema } from '../support/schema-snapshot.js'
import { readSchema010Sql, readSchemaSql } from '../support/sql-files.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

/** schema.sql is only read by people; these tests keep it equal to what the migrations build. */
describe.each(dbTargets())('schema.sql and the migrations on %s', (target) => {
  const made: TestDatabase[] = []
  let fromSql: SchemaSnapshot
  let fromMigrations: SchemaSnapshot

  async function build(arrange: (database: Database) => Promise<void>): Promise<SchemaSnapshot> {
    const testDb = await createTestDatabase(target)
    made.push(testDb)
    const database = await testDb.open()
    await arrange(database)
    const snapshot = await snapshotSchema(database.db)
    if (target === 'postgres') {
      await database.close()
    }
    return snapshot
  }

  beforeAll(async () => {
    const schema = await readSchemaSql()
    fromSql = await build((database) => database.execScript(schema))
    fromMigrations = await build(async (database) => {
      await migrate(database)
    })
  })
  afterAll(async () => {
    for (const testDb of made) {
      await testDb.drop()
    }
  })

  it('reads a real schema from the catalog', () => {
    expect(Object.keys(fromSql.columns)).toContain('api_keys')
    expect(fromSql.columns.users).toContain('username text not null')
    expect(fromSql.constraints).toContain(
      'api_keys.api_keys_owner_name_unique: UNIQUE (user_id, name)',
    )
    expect(fromSql.indexes.some((i) => i.includes('audit_events_at_idx'))).toBe(true)
    expect(fromSql.sequences).toContain('users_id_seq bigint owned by users.id')
  })

  it('builds the same tables, columns, constraints and indexes from schema.sql as from the migrations', () => {
    expect(fromMigrations).toEqual(fromSql)
  })

  it('brings a database made by 0.1.0 to the same schema', async () => {
    const old = await readSchema010Sql()
    const upgraded = await build(async (database) => {
      await database.execScript(old)
      await migrate(database)
    })
    expect(upgraded).toEqual(fromSql)
  })
})

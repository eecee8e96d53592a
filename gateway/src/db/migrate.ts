import { DEFAULT_MIGRATION_TABLE, type Kysely, type Migration, Migrator, sql } from 'kysely'
import type { Database } from './database.js'
import * as registry from './migrations/registry.js'
import type { Tables } from './tables.js'

export type Migrations = Readonly<Record<string, Migration>>

/** This version's migrations by name, imported statically so they run from dist/ as from the sources. */
export const MIGRATIONS: Migrations = registry

export interface MigrationOutcome {
  /** The migrations this call ran, in order; empty when the database was already up to date. */
  readonly applied: readonly string[]
  /**
   * Migrations recorded in the database that this version does not have: a newer version ran them (a rolling
   * upgrade, or a rollback). They only add what this version tolerates (docs/migrations.md), so it runs as it is.
   */
  readonly newer: readonly string[]
}

/**
 * Runs this version's pending migrations in one transaction with Kysely's Migrator. Several processes may call
 * it at once: on Postgres the Migrator holds an advisory lock on its own connection around that transaction, so
 * one of them runs the migrations and the others then find nothing left to do. Throws when a migration fails
 * (nothing of the run is kept) or when the database's history does not fit this version's list.
 */
export async function migrate(
  database: Database,
  migrations: Migrations = MIGRATIONS,
): Promise<MigrationOutcome> {
  const db = database.db
  const before = await recordedMigrations(db)
  if (before.some((name) => !(name in migrations))) {
    return runOnNewer(before, migrations)
  }
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
  const { error, results = [] } = await migrator.migrateToLatest()
  if (error === undefined) {
    const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName)
    return { applied, newer: [] }
  }
  // A newer version may have migrated while this one waited for the lock; Kysely then refuses the history.
  const after = await recordedMigrations(db)
  if (after.some((name) => !(name in migrations))) {
    return runOnNewer(after, migrations)
  }
  const failed = results.find((r) => r.status === 'Error')?.migrationName
  const why = error instanceof Error ? error.message : String(error)
  throw new Error(`${failed === undefined ? 'migrations' : `migration ${failed}`} failed: ${why}`, {
    cause: error,
  })
}

function runOnNewer(recorded: readonly string[], migrations: Migrations): MigrationOutcome {
  const newer = recorded.filter((name) => !(name in migrations))
  const missing = Object.keys(migrations).filter((name) => !recorded.includes(name))
  if (missing.length > 0) {
    throw new Error(
      `the database has migrations this version does not know (${newer.join(', ')}) but lacks its own ` +
        `(${missing.join(', ')}): it was migrated by a build that is not a later release of this one`,
    )
  }
  return { applied: [], newer }
}

/** Names in Kysely's migration table; none before the first run (or on a database made by 0.1.0). */
async function recordedMigrations(db: Kysely<Tables>): Promise<string[]> {
  const table = await sql<{ found: boolean }>`
    select to_regclass(${DEFAULT_MIGRATION_TABLE}) is not null as found`.execute(db)
  if (table.rows[0]?.found !== true) {
    return []
  }
  const rows = await sql<{ name: string }>`
    select name from ${sql.table(DEFAULT_MIGRATION_TABLE)} order by name`.execute(db)
  return rows.rows.map((r) => r.name)
}

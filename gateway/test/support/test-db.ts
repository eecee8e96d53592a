import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { type Database, type DatabaseOptions, openDatabase } from '../../src/db/database.js'

export type DbTarget = 'pglite' | 'postgres'

/** The real Postgres for integration tests, if one is configured. */
export function postgresAdminUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined
}

/**
 * PGlite always; Postgres too when DATABASE_URL or TEST_DATABASE_URL is set. Under CI=true Postgres is required,
 * so its absence fails the run (see requirePostgres) instead of quietly testing less.
 */
export function dbTargets(): DbTarget[] {
  return postgresAdminUrl() !== undefined || process.env.CI === 'true'
    ? ['pglite', 'postgres']
    : ['pglite']
}

export interface TestDatabase {
  readonly target: DbTarget
  /** Options to open this database again, as a second replica would. */
  readonly options: DatabaseOptions
  open(): Promise<Database>
  drop(): Promise<void>
}

/** A fresh, empty database: an in-memory PGlite, or a new database on the test Postgres server. */
export async function createTestDatabase(target: DbTarget): Promise<TestDatabase> {
  if (target === 'pglite') {
    // One in-memory PGlite is one database: every open() must return the same instance.
    let shared: Promise<Database> | undefined
    return {
      target,
      options: { kind: 'pglite', dataDir: undefined },
      open: () => {
        shared ??= openDatabase({ kind: 'pglite', dataDir: undefined })
        return shared
      },
      drop: async () => {
        await (await shared)?.close()
      },
    }
  }
  const adminUrl = postgresAdminUrl()
  if (adminUrl === undefined) {
    throw new Error(
      'CI=true but neither DATABASE_URL nor TEST_DATABASE_URL is set: Postgres tests cannot run',
    )
  }
  const name = `keygate_test_${randomBytes(6).toString('hex')}`
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${name}`)
  await admin.end()
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const options: DatabaseOptions = { kind: 'postgres', url: url.toString(), maxConnections: 5 }
  return {
    target,
    options,
    open: () => openDatabase(options),
    drop: async () => {
      const sql = postgres(adminUrl, { max: 1, onnotice: () => {} })
      await sql.unsafe(`drop database if exists ${name} with (force)`)
      await sql.end()
    },
  }
}

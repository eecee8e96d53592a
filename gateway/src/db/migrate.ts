import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Database } from './database.js'

/** Serialises concurrent start-ups of several replicas applying the schema. */
const MIGRATION_LOCK_ID = 7_411_002

/** schema.sql sits at the package root, whether this runs from gateway/src or from dist/. */
function findSchemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'schema.sql')
    if (existsSync(candidate)) {
      return candidate
    }
    const parent = dirname(dir)
    if (parent === dir) {
      throw new Error('schema.sql not found above the gateway sources')
    }
    dir = parent
  }
}

export function readSchema(): Promise<string> {
  return readFile(findSchemaPath(), 'utf8')
}

/** Applies schema.sql; every statement in it is idempotent, so this runs at every start. */
export async function migrate(database: Database): Promise<void> {
  const schema = await readSchema()
  const script =
    database.kind === 'postgres'
      ? // A multi-statement simple query is one transaction: the xact lock is held until its commit, so a second
        // replica waits until the tables are visible (a session lock released before commit let it race, and fail).
        `select pg_advisory_xact_lock(${MIGRATION_LOCK_ID});\n${schema}`
      : schema
  await database.execScript(script)
}

import type { Config } from '../config.js'
import { openDatabase } from '../db/database.js'
import { migrate } from '../db/migrate.js'
import { databaseOptionsFor } from '../deps.js'

/** `keygate migrate`: runs the pending migrations and says which ran; the gateway also does this at start. */
export async function runMigrate(config: Config): Promise<number> {
  const database = await openDatabase(databaseOptionsFor(config))
  try {
    const outcome = await migrate(database)
    for (const name of outcome.applied) {
      console.log(`applied ${name}`)
    }
    if (outcome.newer.length > 0) {
      console.log(
        `the database is ahead of this version (${outcome.newer.join(', ')}); nothing to do`,
      )
    } else if (outcome.applied.length === 0) {
      console.log(`the database (${database.kind}) is up to date`)
    } else {
      console.log(`${outcome.applied.length} migration(s) applied (${database.kind})`)
    }
    return 0
  } finally {
    await database.close()
  }
}

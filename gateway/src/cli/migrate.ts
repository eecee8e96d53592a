import type { Config } from '../config.js'
import { openDatabase } from '../db/database.js'
import { migrate } from '../db/migrate.js'
import { databaseOptionsFor } from '../deps.js'

export async function runMigrate(config: Config): Promise<number> {
  const database = await openDatabase(databaseOptionsFor(config))
  try {
    await migrate(database)
    console.log(`schema applied (${database.kind})`)
    return 0
  } finally {
    await database.close()
  }
}

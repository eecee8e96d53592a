import { migrate } from '../db/migrate.js'
import type { CommandContext } from './command-context.js'

/** `keygate migrate`: runs the pending migrations and says which ran; the gateway also does this at start. */
export async function runMigrate(ctx: CommandContext, _args: string[]): Promise<number> {
  const { io } = ctx
  return ctx.useDatabase(async (database) => {
    const outcome = await migrate(database)
    for (const name of outcome.applied) {
      io.out(`applied ${name}`)
    }
    if (outcome.newer.length > 0) {
      io.out(`the database is ahead of this version (${outcome.newer.join(', ')}); nothing to do`)
    } else if (outcome.applied.length === 0) {
      io.out(`the database (${database.kind}) is up to date`)
    } else {
      io.out(`${outcome.applied.length} migration(s) applied (${database.kind})`)
    }
    return 0
  })
}

import type { Command } from './command-context.js'
import { runKeysCreate } from './keys-create.js'
import { runKeysRotate } from './keys-rotate.js'
import { runMigrate } from './migrate.js'
import { runResetAdminPassword } from './reset-admin-password.js'
import { runUnlock } from './unlock.js'

const runKeys: Command = (ctx, args) => {
  if (args[0] === 'create') {
    return runKeysCreate(ctx, args.slice(1))
  }
  if (args[0] === 'rotate') {
    return runKeysRotate(ctx, args.slice(1))
  }
  ctx.io.err(
    'Usage: keygate keys (create | rotate) --user NAME --name NAME [options]; see keygate --help',
  )
  return Promise.resolve(2)
}

/**
 * The CLI commands that use the database, by name. Run by the CLI process itself, or, on the embedded database
 * while a gateway serves it, by that gateway for the CLI (cli/control-socket.ts).
 */
export const DATABASE_COMMANDS: Readonly<Record<string, Command>> = {
  migrate: runMigrate,
  'reset-admin-password': runResetAdminPassword,
  unlock: runUnlock,
  keys: runKeys,
}

export function databaseCommand(name: string): Command | undefined {
  return Object.hasOwn(DATABASE_COMMANDS, name) ? DATABASE_COMMANDS[name] : undefined
}

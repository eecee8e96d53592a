import { isIP } from 'node:net'
import { parseArgs } from 'node:util'
import { CLI_ACTOR } from '../audit/audit-log.js'
import type { ThrottleTarget } from '../auth/login-throttle.js'
import { encodeUnlockTarget, unlockLogins } from '../auth/login-unlock.js'
import { migrate } from '../db/migrate.js'
import type { CommandContext } from './command-context.js'

const USAGE = 'Usage: keygate unlock (--user NAME | --address IP | --all)'

const OPTIONS = {
  user: { type: 'string' },
  address: { type: 'string' },
  all: { type: 'boolean' },
} as const

/** Exactly one of the options, as the throttle's target, or the usage problem. */
function targetOf(args: string[]): ThrottleTarget | { problem: string } {
  let values: { user?: string; address?: string; all?: boolean }
  try {
    values = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values
  } catch (err) {
    return { problem: err instanceof Error ? err.message : String(err) }
  }
  const given = [values.user, values.address, values.all].filter((v) => v !== undefined)
  if (given.length !== 1) {
    return { problem: 'give exactly one of --user, --address, --all' }
  }
  if (values.user !== undefined) {
    return values.user.trim() === ''
      ? { problem: '--user needs a name' }
      : { username: values.user.trim() }
  }
  if (values.address !== undefined) {
    return isIP(values.address.trim()) === 0
      ? { problem: `--address ${values.address} is not an IP address` }
      : { address: values.address.trim() }
  }
  return 'all'
}

/**
 * `keygate unlock`: forgets the failed logins of a user (from every address), of a client address, or all of them,
 * on every running replica (an event each replica's change feed applies; see auth/login-unlock.ts). With the
 * embedded database and a gateway running, the gateway runs it (cli/control-socket.ts).
 */
export async function runUnlock(ctx: CommandContext, args: string[]): Promise<number> {
  const { io } = ctx
  const target = targetOf(args)
  if (typeof target === 'object' && 'problem' in target) {
    io.err(`unlock: ${target.problem}\n${USAGE}`)
    return 2
  }
  await ctx.useDatabase(async (database) => {
    await migrate(database)
    await unlockLogins(database.db, target, CLI_ACTOR)
  })
  io.out(`Failed logins cleared (${encodeUnlockTarget(target)}) on every running gateway.`)
  return 0
}

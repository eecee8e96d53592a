import { parseArgs } from 'node:util'
import { CLI_ACTOR } from '../audit/audit-log.js'
import { recordUnlock } from '../auth/login-unlock.js'
import { migrate } from '../db/migrate.js'
import { ADMIN_USERNAME, generatePassword, resetAdminAccount } from '../users/admin-account.js'
import { hashPassword } from '../users/password.js'
import { NEW_PASSWORD } from '../users/user-input.js'
import { lockAdminChanges } from '../users/user-repository.js'
import type { CommandContext } from './command-context.js'

/**
 * `keygate reset-admin-password [--password P]`: makes user `admin` an active admin (creating it if needed) with the
 * given password, or a generated one that is printed once and must be changed at the next login. Setting the password
 * ends every existing session of `admin` and clears admin's failed logins on every running replica. With the
 * embedded database and a gateway running, the gateway runs it (cli/control-socket.ts).
 */
export async function runResetAdminPassword(ctx: CommandContext, args: string[]): Promise<number> {
  const { io } = ctx
  let given: string | undefined
  try {
    given = parseArgs({ args, options: { password: { type: 'string' } }, strict: true }).values
      .password
  } catch (err) {
    io.err(`reset-admin-password: ${err instanceof Error ? err.message : String(err)}`)
    return 2
  }
  if (given !== undefined) {
    const check = NEW_PASSWORD.safeParse(given)
    if (!check.success) {
      io.err(`reset-admin-password: ${check.error.issues[0]?.message ?? 'invalid password'}`)
      return 2
    }
  }
  const password = given ?? generatePassword()
  const passwordHash = await hashPassword(password)
  await ctx.useDatabase(async (database) => {
    await migrate(database)
    await database.db.transaction().execute(async (tx) => {
      await lockAdminChanges(tx)
      await resetAdminAccount(tx, {
        passwordHash,
        requirePasswordChange: given === undefined,
        actor: CLI_ACTOR,
        action: 'user.reset_admin_password',
      })
      // The way back in must also work while the login throttle is holding admin out.
      await recordUnlock(tx, { username: ADMIN_USERNAME }, CLI_ACTOR)
    })
  })
  if (given === undefined) {
    io.out(`New password for user admin: ${password}`)
    io.out('It must be changed at the next login.')
  } else {
    io.out('Password of user admin updated; admin is active.')
  }
  return 0
}

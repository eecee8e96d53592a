import { CLI_ACTOR } from '../audit/audit-log.js'
import { recordUnlock } from '../auth/login-unlock.js'
import type { Config } from '../config.js'
import { openDatabase } from '../db/database.js'
import { migrate } from '../db/migrate.js'
import { databaseOptionsFor } from '../deps.js'
import { ADMIN_USERNAME, generatePassword, resetAdminAccount } from '../users/admin-account.js'
import { hashPassword } from '../users/password.js'
import { NEW_PASSWORD } from '../users/user-input.js'
import { lockAdminChanges } from '../users/user-repository.js'

/**
 * `keygate reset-admin-password [--password P]`: makes user `admin` an active admin (creating it if needed) with the
 * given password, or a generated one that is printed once and must be changed at the next login. Setting the password
 * ends every existing session of `admin` and clears admin's failed logins on every running replica. With the
 * embedded database, stop the gateway first (PGlite is single-process).
 */
export async function runResetAdminPassword(
  config: Config,
  options: { password?: string },
): Promise<number> {
  const given = options.password
  if (given !== undefined) {
    const check = NEW_PASSWORD.safeParse(given)
    if (!check.success) {
      console.error(`reset-admin-password: ${check.error.issues[0]?.message ?? 'invalid password'}`)
      return 2
    }
  }
  const password = given ?? generatePassword()
  const passwordHash = await hashPassword(password)
  const database = await openDatabase(databaseOptionsFor(config))
  try {
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
  } finally {
    await database.close()
  }
  if (given === undefined) {
    console.log(`New password for user admin: ${password}`)
    console.log('It must be changed at the next login.')
  } else {
    console.log('Password of user admin updated; admin is active.')
  }
  return 0
}

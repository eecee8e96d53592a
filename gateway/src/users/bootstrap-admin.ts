import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import { SYSTEM_ACTOR } from '../audit/audit-log.js'
import type { Tables } from '../db/tables.js'
import { generatePassword, resetAdminAccount } from './admin-account.js'
import { hashPassword } from './password.js'
import { countActiveAdmins, lockAdminChanges } from './user-repository.js'

export interface BootstrapAdminOptions {
  db: Kysely<Tables>
  password: string | undefined
  dataDir: string
  logger: Logger
}

export const INITIAL_PASSWORD_FILE = 'initial_admin_password'

/**
 * When no active admin exists, creates (or re-activates and resets) user `admin` with the configured
 * password, or a generated one marked require_password_change, written to `<dataDir>/initial_admin_password` (0600)
 * and logged once. Replicas starting together serialise on an advisory lock, so only one of them does it.
 */
export async function bootstrapAdmin(options: BootstrapAdminOptions): Promise<void> {
  const { db, logger } = options
  if ((await countActiveAdmins(db, 0)) > 0) {
    return
  }
  const generated = options.password === undefined ? generatePassword() : undefined
  const password = options.password ?? generated ?? ''
  const passwordHash = await hashPassword(password)
  const created = await db.transaction().execute(async (tx) => {
    await lockAdminChanges(tx)
    if ((await countActiveAdmins(tx, 0)) > 0) {
      return false // another replica got there first
    }
    await resetAdminAccount(tx, {
      passwordHash,
      requirePasswordChange: generated !== undefined,
      actor: SYSTEM_ACTOR,
      action: 'user.bootstrap_admin',
    })
    return true
  })
  if (!created) {
    return
  }
  if (generated === undefined) {
    logger.info({ username: 'admin' }, 'created user admin with KEYGATE_BOOTSTRAP_PASSWORD')
    return
  }
  const file = await writePasswordFile(options.dataDir, generated, logger)
  // The one place the generated password is logged ("logged once"); it is in the message, not a field.
  logger.warn(
    { username: 'admin', passwordFile: file ?? null },
    `created user admin with generated password ${generated} — log in and change it`,
  )
}

/** Writes the password for the operator; a read-only data dir is not fatal (the log line still has it). */
async function writePasswordFile(
  dataDir: string,
  password: string,
  logger: Logger,
): Promise<string | undefined> {
  const file = join(dataDir, INITIAL_PASSWORD_FILE)
  try {
    await mkdir(dataDir, { recursive: true })
    await writeFile(file, `${password}\n`, { mode: 0o600 })
    await chmod(file, 0o600) // writeFile keeps the mode of a file that already existed
    return file
  } catch (err) {
    logger.warn({ err, file }, 'could not write the initial admin password file')
    return undefined
  }
}

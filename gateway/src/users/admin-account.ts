import { randomBytes } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { AuditAction } from '../audit/audit-actions.js'
import { type AuditActor, recordAudit } from '../audit/audit-log.js'
import { recordChange } from '../changes/change-feed.js'
import type { Tables } from '../db/tables.js'
import { PUBLIC_USER_COLUMNS, type UserRecord } from './user-view.js'

export const ADMIN_USERNAME = 'admin'

/** 24 URL-safe characters (144 random bits) for a generated admin password. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url')
}

/**
 * Creates user `admin`, or makes the existing one an active admin with this password. Call inside a transaction:
 * it records a 'user' change (a re-activated admin's keys must stop being refused) and an audit row.
 */
export async function resetAdminAccount(
  tx: Kysely<Tables>,
  options: {
    passwordHash: string
    requirePasswordChange: boolean
    actor: AuditActor
    action: AuditAction
  },
): Promise<UserRecord> {
  const user = await tx
    .insertInto('users')
    .values({
      username: ADMIN_USERNAME,
      full_name: 'Administrator',
      password_hash: options.passwordHash,
      is_admin: true,
      is_active: true,
      require_password_change: options.requirePasswordChange,
    })
    .onConflict((oc) =>
      oc.column('username').doUpdateSet({
        password_hash: options.passwordHash,
        is_admin: true,
        is_active: true,
        require_password_change: options.requirePasswordChange,
        updated_at: sql`now()`,
      }),
    )
    .returning(PUBLIC_USER_COLUMNS)
    .executeTakeFirstOrThrow()
  await recordChange(tx, 'user', String(user.id))
  await recordAudit(tx, {
    actor: options.actor,
    action: options.action,
    target: { type: 'user', id: user.id },
    details: { generated_password: options.requirePasswordChange },
  })
  return user
}

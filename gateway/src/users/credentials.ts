import type { Kysely } from 'kysely'
import type { Tables } from '../db/tables.js'
import { verifyPassword } from './password.js'
import { PUBLIC_USER_COLUMNS, type UserRecord } from './user-view.js'

/**
 * A valid scrypt hash of a random, forgotten password. Checking an unknown username against it costs the same scrypt
 * as a real check, so response time does not tell which usernames exist.
 */
const DUMMY_HASH =
  'scrypt$32768$8$1$CmpmrDX7Zhn3xNd6GFwOPg$ZZIU4fo30DJM4l_3TgUyfp9BcFNoOXs2LiDCkRZVr6Y'

export type CredentialCheck = { ok: true; user: UserRecord } | { ok: false }

/** One outcome for an unknown user, a wrong password and an inactive user, always after one scrypt. */
export async function checkCredentials(
  db: Kysely<Tables>,
  username: string,
  password: string,
): Promise<CredentialCheck> {
  const row = await db
    .selectFrom('users')
    .select([...PUBLIC_USER_COLUMNS, 'password_hash'])
    .where('username', '=', username)
    .executeTakeFirst()
  const matches = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH)
  if (row === undefined || !matches || !row.is_active) {
    return { ok: false }
  }
  return { ok: true, user: withoutHash(row) }
}

/** True when `password` is the current password of user `id`. */
export async function isCurrentPassword(
  db: Kysely<Tables>,
  id: number,
  password: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', id)
    .executeTakeFirst()
  return verifyPassword(password, row?.password_hash ?? DUMMY_HASH).then(
    (ok) => ok && row !== undefined,
  )
}

function withoutHash(row: UserRecord & { password_hash: string }): UserRecord {
  return {
    id: row.id,
    username: row.username,
    full_name: row.full_name,
    is_admin: row.is_admin,
    is_active: row.is_active,
    require_password_change: row.require_password_change,
    created_at: row.created_at,
    updated_at: row.updated_at,
    rpm_limit: row.rpm_limit,
    tpm_limit: row.tpm_limit,
    max_parallel_requests: row.max_parallel_requests,
    token_budget: row.token_budget,
    budget_period: row.budget_period,
  }
}

import type { Kysely } from 'kysely'
import { type AuditChanges, diffFields, SECRET_CHANGE } from '../audit/audit-diff.js'
import { type AuditActor, recordAudit } from '../audit/audit-log.js'
import { recordChange } from '../changes/change-feed.js'
import type { Tables } from '../db/tables.js'
import { type LimitFieldsInput, pickLimitFields } from '../limits/limit-input.js'
import { snapshotUsageOwners } from '../usage/usage-snapshot.js'
import { hashPassword } from './password.js'
import {
  countActiveAdmins,
  deleteUserById,
  insertUser,
  lockAdminChanges,
  type UserColumnsPatch,
  updateUserColumns,
} from './user-repository.js'
import type { UserRecord } from './user-view.js'

/** The admin acting; the same as the audit actor. */
export type Actor = AuditActor & { userId: number }

export interface NewUserInput {
  username: string
  password: string
  full_name?: string | undefined
  is_admin?: boolean | undefined
  require_password_change?: boolean | undefined
}

export interface UserPatch extends LimitFieldsInput {
  full_name?: string | undefined
  is_admin?: boolean | undefined
  is_active?: boolean | undefined
  password?: string | undefined
  require_password_change?: boolean | undefined
}

/** Why a change that would remove admin rights was refused. */
export interface AdminGuard {
  ok: false
  reason: 'self' | 'last_admin'
  /** The field that would have removed admin rights; null for a deletion. */
  field: 'is_admin' | 'is_active' | null
}

export type UserChange =
  | { ok: true; user: UserRecord }
  | { ok: false; reason: 'not_found' | 'duplicate' }
  | AdminGuard

export async function createUser(
  db: Kysely<Tables>,
  actor: Actor,
  input: NewUserInput,
): Promise<UserChange> {
  const passwordHash = await hashPassword(input.password)
  return db.transaction().execute(async (tx) => {
    const user = await insertUser(tx, {
      username: input.username,
      passwordHash,
      fullName: input.full_name ?? '',
      isAdmin: input.is_admin ?? false,
      requirePasswordChange: input.require_password_change ?? false,
    })
    if (user === undefined) {
      return { ok: false, reason: 'duplicate' }
    }
    await recordAudit(tx, {
      actor,
      action: 'user.create',
      target: { type: 'user', id: user.id },
      details: { username: user.username, is_admin: user.is_admin },
    })
    return { ok: true, user }
  })
}

/**
 * Applies an admin's edit in one transaction. Removing admin rights (demote, deactivate) is refused for oneself and
 * for the last active admin; flag changes record a 'user' change so key caches drop that user's keys.
 */
export async function updateUser(
  db: Kysely<Tables>,
  actor: Actor,
  id: number,
  patch: UserPatch,
): Promise<UserChange> {
  const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password)
  return db.transaction().execute(async (tx): Promise<UserChange> => {
    await lockAdminChanges(tx)
    const current = await tx
      .selectFrom('users')
      .select(['id', 'username', ...AUDITED_USER_FIELDS])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst()
    if (current === undefined) {
      return { ok: false, reason: 'not_found' }
    }
    const losesAdmin =
      current.is_admin &&
      current.is_active &&
      (patch.is_admin === false || patch.is_active === false)
    if (losesAdmin) {
      const field = patch.is_active === false ? 'is_active' : 'is_admin'
      const refused = await guardAdminRemoval(tx, actor, id, field)
      if (refused !== null) {
        return refused
      }
    }
    const columns = toColumns(patch, passwordHash, id === actor.userId)
    const user = await updateUserColumns(tx, id, columns)
    if (user === undefined) {
      return { ok: false, reason: 'not_found' }
    }
    const limitsChanged = Object.keys(pickLimitFields(patch)).length > 0
    if (
      limitsChanged ||
      user.is_admin !== current.is_admin ||
      user.is_active !== current.is_active
    ) {
      await recordChange(tx, 'user', String(id))
    }
    await recordAudit(tx, {
      actor,
      action: 'user.update',
      target: { type: 'user', id },
      details: { username: current.username, changes: userChanges(current, columns) },
    })
    return { ok: true, user }
  })
}

export type UserDeletion = { ok: true } | { ok: false; reason: 'not_found' } | AdminGuard

/** Deletes a user and (by cascade) their keys, keeping the keys' usage and the audit log, refusing oneself and the last active admin. */
export async function deleteUser(
  db: Kysely<Tables>,
  actor: Actor,
  id: number,
): Promise<UserDeletion> {
  return db.transaction().execute(async (tx): Promise<UserDeletion> => {
    await lockAdminChanges(tx)
    const current = await tx
      .selectFrom('users')
      .select(['id', 'username', 'is_admin', 'is_active'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst()
    if (current === undefined) {
      return { ok: false, reason: 'not_found' }
    }
    if (id === actor.userId || (current.is_admin && current.is_active)) {
      const refused = await guardAdminRemoval(tx, actor, id, null)
      if (refused !== null) {
        return refused
      }
    }
    await recordChange(tx, 'user', String(id))
    // Their keys go by cascade; the keys' usage stays, reported under the names and owner they had.
    await snapshotUsageOwners(tx, { userId: id })
    await deleteUserById(tx, id)
    await recordAudit(tx, {
      actor,
      action: 'user.delete',
      target: { type: 'user', id },
      details: { username: current.username },
    })
    return { ok: true }
  })
}

/** The fields an edit may change, read before it to record old → new (the password apart: never its value). */
const AUDITED_USER_FIELDS = [
  'full_name',
  'is_admin',
  'is_active',
  'require_password_change',
  'rpm_limit',
  'tpm_limit',
  'max_parallel_requests',
  'token_budget',
  'budget_period',
] as const

/** What an edit changed; a new password is recorded as changed, never as a value or a hash. */
function userChanges(
  before: Pick<UserRecord, (typeof AUDITED_USER_FIELDS)[number]>,
  columns: UserColumnsPatch,
): AuditChanges {
  const changes = diffFields(before, columns, AUDITED_USER_FIELDS)
  return columns.password_hash === undefined ? changes : { ...changes, password: SECRET_CHANGE }
}

function toColumns(
  patch: UserPatch,
  passwordHash: string | undefined,
  isSelf: boolean,
): UserColumnsPatch {
  // Kysely leaves out undefined values, so an absent field is not touched.
  return {
    full_name: patch.full_name,
    is_admin: patch.is_admin,
    is_active: patch.is_active,
    password_hash: passwordHash,
    // An admin setting someone else's password hands out a temporary one, to be changed at next login.
    require_password_change:
      patch.require_password_change ?? (passwordHash !== undefined && !isSelf ? true : undefined),
    ...pickLimitFields(patch),
  }
}

async function guardAdminRemoval(
  tx: Kysely<Tables>,
  actor: Actor,
  id: number,
  field: AdminGuard['field'],
): Promise<AdminGuard | null> {
  if (id === actor.userId) {
    return { ok: false, reason: 'self', field }
  }
  if ((await countActiveAdmins(tx, id)) === 0) {
    return { ok: false, reason: 'last_admin', field }
  }
  return null
}

/** A user's own password change (/auth/update-password): clears require_password_change. */
export async function changeOwnPassword(
  db: Kysely<Tables>,
  actor: Actor,
  newPassword: string,
): Promise<UserRecord | undefined> {
  const passwordHash = await hashPassword(newPassword)
  return db.transaction().execute(async (tx) => {
    const user = await updateUserColumns(tx, actor.userId, {
      password_hash: passwordHash,
      require_password_change: false,
    })
    if (user !== undefined) {
      await recordAudit(tx, {
        actor,
        action: 'user.change_password',
        target: { type: 'user', id: user.id },
        details: { username: user.username, changes: { password: SECRET_CHANGE } },
      })
    }
    return user
  })
}

import { type Kysely, sql } from 'kysely'
import type { BudgetPeriodColumn, Tables } from '../db/tables.js'
import { PUBLIC_USER_COLUMNS, type UserRecord } from './user-view.js'

/** Small typed queries on `users`. Only credentials.ts reads password_hash; nothing here returns it. */

export function findUserById(db: Kysely<Tables>, id: number): Promise<UserRecord | undefined> {
  return db.selectFrom('users').select(PUBLIC_USER_COLUMNS).where('id', '=', id).executeTakeFirst()
}

export interface SessionUser {
  id: number
  username: string
  is_admin: boolean
  is_active: boolean
  require_password_change: boolean
  /** md5 of the password hash: changes whenever the password is set, and reveals nothing usable. */
  password_stamp: string
  rpm_limit: number | null
  tpm_limit: number | null
  max_parallel_requests: number | null
  token_budget: number | null
  budget_period: BudgetPeriodColumn | null
}

/** What a session check needs: the user's flags and a stamp that changes with the password. */
export function findSessionUser(db: Kysely<Tables>, id: number): Promise<SessionUser | undefined> {
  return db
    .selectFrom('users')
    .select(['id', 'username', 'is_admin', 'is_active', 'require_password_change'])
    .select(['rpm_limit', 'tpm_limit', 'max_parallel_requests', 'token_budget', 'budget_period'])
    .select(sql<string>`md5(password_hash)`.as('password_stamp'))
    .where('id', '=', id)
    .executeTakeFirst()
}

export const USER_SORT_COLUMNS = ['id', 'username', 'created_at', 'updated_at'] as const
export type UserSortColumn = (typeof USER_SORT_COLUMNS)[number]

export interface UserListQuery {
  page: number
  perPage: number
  search: string
  sortBy: UserSortColumn
  descending: boolean
}

function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, '\\$&')}%`
}

export async function listUsers(
  db: Kysely<Tables>,
  q: UserListQuery,
): Promise<{ rows: UserRecord[]; total: number }> {
  let base = db.selectFrom('users')
  if (q.search !== '') {
    const pattern = likePattern(q.search)
    base = base.where((eb) =>
      eb.or([eb('username', 'ilike', pattern), eb('full_name', 'ilike', pattern)]),
    )
  }
  const direction = q.descending ? 'desc' : 'asc'
  const [rows, count] = await Promise.all([
    base
      .select(PUBLIC_USER_COLUMNS)
      .orderBy(q.sortBy, direction)
      .orderBy('id', direction)
      .limit(q.perPage)
      .offset((q.page - 1) * q.perPage)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ])
  return { rows, total: Number(count.total) }
}

export interface NewUserValues {
  username: string
  passwordHash: string
  fullName: string
  isAdmin: boolean
  requirePasswordChange: boolean
}

/** Inserts a user; undefined when the username is taken. */
export function insertUser(db: Kysely<Tables>, v: NewUserValues): Promise<UserRecord | undefined> {
  return db
    .insertInto('users')
    .values({
      username: v.username,
      password_hash: v.passwordHash,
      full_name: v.fullName,
      is_admin: v.isAdmin,
      require_password_change: v.requirePasswordChange,
    })
    .onConflict((oc) => oc.column('username').doNothing())
    .returning(PUBLIC_USER_COLUMNS)
    .executeTakeFirst()
}

export interface UserColumnsPatch {
  full_name?: string
  is_admin?: boolean
  is_active?: boolean
  password_hash?: string
  require_password_change?: boolean
  rpm_limit?: number | null
  tpm_limit?: number | null
  max_parallel_requests?: number | null
  token_budget?: number | null
  budget_period?: BudgetPeriodColumn | null
}

export function updateUserColumns(
  db: Kysely<Tables>,
  id: number,
  patch: UserColumnsPatch,
): Promise<UserRecord | undefined> {
  return db
    .updateTable('users')
    .set({ ...patch, updated_at: sql`now()` })
    .where('id', '=', id)
    .returning(PUBLIC_USER_COLUMNS)
    .executeTakeFirst()
}

export async function deleteUserById(db: Kysely<Tables>, id: number): Promise<boolean> {
  const row = await db.deleteFrom('users').where('id', '=', id).returning('id').executeTakeFirst()
  return row !== undefined
}

/** Active admins other than `excludingId` (pass 0 to count all). */
export async function countActiveAdmins(db: Kysely<Tables>, excludingId: number): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('is_admin', '=', true)
    .where('is_active', '=', true)
    .where('id', '<>', excludingId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Arbitrary constant naming the advisory lock that serialises changes to who is an active admin. */
const ADMIN_LOCK_ID = 0x6b_67_61_64

/**
 * Serialises, until the transaction ends, every change that could leave no active admin (two admins demoting each
 * other at once, two replicas bootstrapping at once). Call inside a transaction.
 */
export async function lockAdminChanges(tx: Kysely<Tables>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${ADMIN_LOCK_ID}::bigint)`.execute(tx)
}

import type { BudgetPeriodColumn, UserRow } from '../db/tables.js'

/** The columns of a user that may leave the users module; password_hash is never among them. */
export const PUBLIC_USER_COLUMNS = [
  'id',
  'username',
  'full_name',
  'is_admin',
  'is_active',
  'require_password_change',
  'created_at',
  'updated_at',
  'rpm_limit',
  'tpm_limit',
  'max_parallel_requests',
  'token_budget',
  'budget_period',
] as const

export type UserRecord = Pick<UserRow, (typeof PUBLIC_USER_COLUMNS)[number]>

/** A user as /v2/users and /auth answer it (the UI imports this type). */
export interface UserJson {
  id: number
  username: string
  full_name: string
  is_admin: boolean
  is_active: boolean
  require_password_change: boolean
  created_at: string
  updated_at: string
  /** Limits over all of the user's keys together (docs/limits.md); null = none. */
  rpm_limit: number | null
  tpm_limit: number | null
  max_parallel_requests: number | null
  token_budget: number | null
  /** The budget's period; null (with a budget) counts per month. */
  budget_period: BudgetPeriodColumn | null
}

export function toUserJson(user: UserRecord): UserJson {
  return {
    id: user.id,
    username: user.username,
    full_name: user.full_name,
    is_admin: user.is_admin,
    is_active: user.is_active,
    require_password_change: user.require_password_change,
    created_at: new Date(user.created_at).toISOString(),
    updated_at: new Date(user.updated_at).toISOString(),
    rpm_limit: user.rpm_limit,
    tpm_limit: user.tpm_limit,
    max_parallel_requests: user.max_parallel_requests,
    token_budget: user.token_budget,
    budget_period: user.budget_period,
  }
}

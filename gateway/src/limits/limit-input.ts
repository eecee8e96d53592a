import { z } from 'zod'
import type { BudgetPeriodColumn } from '../db/tables.js'

/** The limit fields of a key or user body (POST/PUT /v2/api-keys, PUT /v2/users/{id}); null = no limit. */

const MESSAGE = 'must be a positive integer or null (no limit)'

/** int4 columns hold at most 2^31 − 1. */
const limitInt = z
  .number({ error: MESSAGE })
  .int({ error: MESSAGE })
  .positive({ error: MESSAGE })
  .max(2_147_483_647, { error: 'must be at most 2147483647' })
  .nullable()
  .optional()

const budgetInt = z
  .number({ error: MESSAGE })
  .int({ error: MESSAGE })
  .positive({ error: MESSAGE })
  .max(Number.MAX_SAFE_INTEGER, { error: `must be at most ${Number.MAX_SAFE_INTEGER}` })
  .nullable()
  .optional()

const period = z
  .enum(['day', 'week', 'month'], { error: 'must be day, week, month or null (month)' })
  .nullable()
  .optional()

/** Spread into a strictObject: the five optional fields, each a positive integer or null. */
export const limitFieldsShape = {
  rpm_limit: limitInt,
  tpm_limit: limitInt,
  max_parallel_requests: limitInt,
  token_budget: budgetInt,
  budget_period: period,
}

/** The limit fields as given: a field left out is undefined (on a PUT: unchanged). */
export interface LimitFieldsInput {
  rpm_limit?: number | null | undefined
  tpm_limit?: number | null | undefined
  max_parallel_requests?: number | null | undefined
  token_budget?: number | null | undefined
  budget_period?: BudgetPeriodColumn | null | undefined
}

/** The fields as stored: every one present, null where none. */
export interface LimitColumnsValues {
  rpm_limit: number | null
  tpm_limit: number | null
  max_parallel_requests: number | null
  token_budget: number | null
  budget_period: BudgetPeriodColumn | null
}

export const NUMERIC_LIMIT_FIELDS = [
  'rpm_limit',
  'tpm_limit',
  'max_parallel_requests',
  'token_budget',
] as const

/** Only the fields that were given (for a PUT's patch and its audit row). */
export function pickLimitFields(input: LimitFieldsInput): LimitFieldsInput {
  const out: LimitFieldsInput = {}
  for (const f of [...NUMERIC_LIMIT_FIELDS, 'budget_period'] as const) {
    if (input[f] !== undefined) {
      ;(out as Record<string, unknown>)[f] = input[f]
    }
  }
  return out
}

/** Every field, null where not given (for a creation). */
export function limitColumns(input: LimitFieldsInput): LimitColumnsValues {
  return {
    rpm_limit: input.rpm_limit ?? null,
    tpm_limit: input.tpm_limit ?? null,
    max_parallel_requests: input.max_parallel_requests ?? null,
    token_budget: input.token_budget ?? null,
    budget_period: input.budget_period ?? null,
  }
}

/**
 * The first of a key's limits above its owner's, or undefined when each is within: a user who is not an admin may
 * set limits on their own keys only up to their own. A key without a limit of a kind is within (the owner's limit
 * still applies to it). A key's budget is compared with the owner's whatever the periods.
 */
export function limitAboveOwner(
  key: LimitColumnsValues,
  owner: LimitColumnsValues,
): { field: (typeof NUMERIC_LIMIT_FIELDS)[number]; ownerValue: number } | undefined {
  for (const field of NUMERIC_LIMIT_FIELDS) {
    const mine = key[field]
    const theirs = owner[field]
    if (mine !== null && theirs !== null && mine > theirs) {
      return { field, ownerValue: theirs }
    }
  }
  return undefined
}

import type { BudgetPeriodColumn, Scope } from '../db/tables.js'
import type { Page } from '../http/page.js'
import type { ApiKeyRecord } from './key-repository.js'

/** An API key as /v2/api-keys returns it (GPUStack's field names); timestamps are ISO 8601 in UTC. */
export interface ApiKey {
  id: number
  name: string
  description: string
  /** `kg_<first 8 of the access key>…<last 4 of the secret>`, or `…<last 4>` for a custom key. */
  masked_value: string
  is_custom: boolean
  scope: Scope[]
  /** Empty: every model the owner may use. */
  allowed_model_names: string[]
  /** Null: never expires. */
  expires_at: string | null
  is_active: boolean
  last_used_at: string | null
  user_id: number
  user_name: string
  created_at: string
  updated_at: string
  /** Requests per sliding minute; null = no limit of the key's own (its owner's may still apply). */
  rpm_limit: number | null
  /** Prompt + completion tokens per sliding minute. */
  tpm_limit: number | null
  /** Requests in flight at once. */
  max_parallel_requests: number | null
  /** Prompt + completion tokens per budget_period. */
  token_budget: number | null
  /** day | week | month (UTC calendar); null with a budget counts per month. */
  budget_period: BudgetPeriodColumn | null
  /** Free-form string labels (filter with `?metadata.<name>=<value>`). */
  metadata: Record<string, string>
  /** CIDRs the key may be used from; empty: anywhere. */
  allowed_ips: string[]
  /** After a rotation with a grace period: when the previous value stops (or stopped) working; else null. */
  previous_value_expires_at: string | null
}

/** GET /v2/api-keys/{id}/limits: the key's use in its budget period, beside its limits (the UI's keys table). */
export interface ApiKeyLimitUse {
  api_key_id: number
  rpm_limit: number | null
  tpm_limit: number | null
  max_parallel_requests: number | null
  token_budget: number | null
  /** The key's budget period (month when it sets none). */
  budget_period: BudgetPeriodColumn
  /** First UTC day of the period, YYYY-MM-DD. */
  period_start: string
  /** Requests, prompt + completion tokens, and refusals of this key in the period (usage_daily, written every 2 s). */
  requests: number
  tokens: number
  refused: number
}

/** The create and rotate responses: the only times a full key value is ever returned. */
export interface CreatedApiKey extends ApiKey {
  value: string
}

export type ApiKeyPage = Page<ApiKey>

export function toApiKey(r: ApiKeyRecord): ApiKey {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    masked_value: r.masked_value,
    is_custom: r.is_custom,
    scope: r.scope,
    allowed_model_names: r.allowed_model_names,
    expires_at: r.expires_at?.toISOString() ?? null,
    is_active: r.is_active,
    last_used_at: r.last_used_at?.toISOString() ?? null,
    user_id: r.user_id,
    user_name: r.user_name,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    rpm_limit: r.rpm_limit,
    tpm_limit: r.tpm_limit,
    max_parallel_requests: r.max_parallel_requests,
    token_budget: r.token_budget,
    budget_period: r.budget_period,
    metadata: r.metadata,
    allowed_ips: r.allowed_ips,
    previous_value_expires_at: r.previous_key_expires_at?.toISOString() ?? null,
  }
}

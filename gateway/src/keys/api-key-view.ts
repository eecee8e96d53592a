import type { Scope } from '../db/tables.js'
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
  /** Free-form string labels (filter with `?metadata.<name>=<value>`). */
  metadata: Record<string, string>
  /** CIDRs the key may be used from; empty: anywhere. */
  allowed_ips: string[]
  /** After a rotation with a grace period: when the previous value stops (or stopped) working; else null. */
  previous_value_expires_at: string | null
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
    metadata: r.metadata,
    allowed_ips: r.allowed_ips,
    previous_value_expires_at: r.previous_key_expires_at?.toISOString() ?? null,
  }
}

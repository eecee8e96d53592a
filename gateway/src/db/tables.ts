import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

/** Mirrors schema.sql column for column; gateway/test/integration/schema.int.test.ts compares them. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
/** int8 columns are parsed as JS numbers by both drivers (database.ts); ids and counters stay below 2^53. */
type Counter = ColumnType<number, number | undefined, number>

export type Scope = 'management' | 'inference'
export type Backend = 'vllm' | 'llama.cpp' | 'openai'
export type AccessPolicy = 'authed' | 'allowed_users'
export type BudgetPeriodColumn = 'day' | 'week' | 'month'

/** Limit columns of api_keys and users (docs/limits.md); null = no limit. */
interface LimitColumns {
  rpm_limit: ColumnType<number | null, number | null | undefined, number | null>
  tpm_limit: ColumnType<number | null, number | null | undefined, number | null>
  max_parallel_requests: ColumnType<number | null, number | null | undefined, number | null>
  token_budget: ColumnType<number | null, number | null | undefined, number | null>
  budget_period: ColumnType<
    BudgetPeriodColumn | null,
    BudgetPeriodColumn | null | undefined,
    BudgetPeriodColumn | null
  >
}

export interface UsersTable extends LimitColumns {
  id: Generated<number>
  username: string
  full_name: ColumnType<string, string | undefined, string>
  password_hash: string
  is_admin: ColumnType<boolean, boolean | undefined, boolean>
  is_active: ColumnType<boolean, boolean | undefined, boolean>
  require_password_change: ColumnType<boolean, boolean | undefined, boolean>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface ApiKeysTable extends LimitColumns {
  id: Generated<number>
  user_id: number
  name: string
  description: ColumnType<string, string | undefined, string>
  key_hash: string
  access_key: string | null
  masked_value: string
  is_custom: ColumnType<boolean, boolean | undefined, boolean>
  scope: ColumnType<Scope[], Scope[] | undefined, Scope[]>
  allowed_model_names: ColumnType<string[], string[] | undefined, string[]>
  expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  is_active: ColumnType<boolean, boolean | undefined, boolean>
  last_used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  created_at: Timestamp
  updated_at: Timestamp
  /** SHA-256 of the value a rotation replaced, accepted until previous_key_expires_at; null when none. */
  previous_key_hash: ColumnType<string | null, string | null | undefined, string | null>
  previous_key_expires_at: ColumnType<
    Date | null,
    Date | string | null | undefined,
    Date | string | null
  >
  /** String values by name; written as JSON text (`::text::jsonb`). */
  metadata: ColumnType<Record<string, string>, string | undefined, string>
  /** CIDRs the key may be used from; empty = anywhere. */
  allowed_ips: ColumnType<string[], string[] | undefined, string[]>
}

export interface ModelsTable {
  id: Generated<number>
  name: string
  description: ColumnType<string, string | undefined, string>
  backend: ColumnType<Backend, Backend | undefined, Backend>
  upstream_model_name: string | null
  access_policy: ColumnType<AccessPolicy, AccessPolicy | undefined, AccessPolicy>
  managed_by: ColumnType<'api' | 'file', 'api' | 'file' | undefined, 'api' | 'file'>
  created_at: Timestamp
  updated_at: Timestamp
  /** The proxied routes the model serves; null = its backend's (models/model-routes.ts). */
  routes: ColumnType<string[] | null, string[] | null | undefined, string[] | null>
}

export interface ModelInstancesTable {
  id: Generated<number>
  model_id: number
  url: string
  weight: ColumnType<number, number | undefined, number>
  worker: ColumnType<string, string | undefined, string>
  api_key: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface ModelUserGrantsTable {
  model_id: number
  user_id: number
}

export interface UsageDailyTable {
  api_key_id: number
  model: string
  day: ColumnType<string, string, string>
  requests: Counter
  prompt_tokens: Counter
  completion_tokens: Counter
  errors: Counter
  /** Snapshots of the key's name and owner, so usage is still reported once the key or user is deleted. */
  api_key_name: ColumnType<string | null, string | null | undefined, string | null>
  user_id: ColumnType<number | null, number | null | undefined, number | null>
  username: ColumnType<string | null, string | null | undefined, string | null>
  /** Requests a limit refused (not in `requests`, never in `errors`). */
  refused: Counter
}

export interface ReplicaHeartbeatsTable {
  replica_id: string
  /** The replica counts limits in Redis (shared by every replica). */
  shared_limits: boolean
  seen_at: Timestamp
}

export interface AuditEventsTable {
  id: Generated<number>
  at: Timestamp
  actor_user_id: number | null
  actor_key_id: number | null
  action: string
  target_type: string
  target_id: string | null
  details: ColumnType<Record<string, unknown>, string | undefined, string>
}

export interface SettingsTable {
  key: string
  value: string
}

export interface CacheEventsTable {
  id: Generated<number>
  kind: string
  target: string
  at: Timestamp
}

export interface ModelPricesTable {
  id: Generated<number>
  model_id: number
  effective_from: Timestamp
  /** numeric: both drivers return it as text; reads cast it (usage/model-prices.ts). */
  input_price_per_mtok: ColumnType<string | null, number | null | undefined, number | null>
  output_price_per_mtok: ColumnType<string | null, number | null | undefined, number | null>
}

export interface Tables {
  users: UsersTable
  api_keys: ApiKeysTable
  models: ModelsTable
  model_instances: ModelInstancesTable
  model_user_grants: ModelUserGrantsTable
  usage_daily: UsageDailyTable
  audit_events: AuditEventsTable
  settings: SettingsTable
  cache_events: CacheEventsTable
  replica_heartbeats: ReplicaHeartbeatsTable
  model_prices: ModelPricesTable
}

export type UserRow = Selectable<UsersTable>
export type NewUser = Insertable<UsersTable>
export type UserUpdate = Updateable<UsersTable>
export type ApiKeyRow = Selectable<ApiKeysTable>
export type ModelRow = Selectable<ModelsTable>
export type ModelInstanceRow = Selectable<ModelInstancesTable>

/** Column lists per table, used by the schema test to compare with information_schema. */
export const TABLE_COLUMNS: Record<keyof Tables, readonly string[]> = {
  users: [
    'id',
    'username',
    'full_name',
    'password_hash',
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
  ],
  api_keys: [
    'id',
    'user_id',
    'name',
    'description',
    'key_hash',
    'access_key',
    'masked_value',
    'is_custom',
    'scope',
    'allowed_model_names',
    'expires_at',
    'is_active',
    'last_used_at',
    'created_at',
    'updated_at',
    'rpm_limit',
    'tpm_limit',
    'max_parallel_requests',
    'token_budget',
    'budget_period',
    'previous_key_hash',
    'previous_key_expires_at',
    'metadata',
    'allowed_ips',
  ],
  models: [
    'id',
    'name',
    'description',
    'backend',
    'upstream_model_name',
    'access_policy',
    'managed_by',
    'created_at',
    'updated_at',
    'routes',
  ],
  model_instances: [
    'id',
    'model_id',
    'url',
    'weight',
    'worker',
    'api_key',
    'created_at',
    'updated_at',
  ],
  model_user_grants: ['model_id', 'user_id'],
  usage_daily: [
    'api_key_id',
    'model',
    'day',
    'requests',
    'prompt_tokens',
    'completion_tokens',
    'errors',
    'api_key_name',
    'user_id',
    'username',
    'refused',
  ],
  audit_events: [
    'id',
    'at',
    'actor_user_id',
    'actor_key_id',
    'action',
    'target_type',
    'target_id',
    'details',
  ],
  settings: ['key', 'value'],
  cache_events: ['id', 'kind', 'target', 'at'],
  replica_heartbeats: ['replica_id', 'shared_limits', 'seen_at'],
  model_prices: [
    'id',
    'model_id',
    'effective_from',
    'input_price_per_mtok',
    'output_price_per_mtok',
  ],
}

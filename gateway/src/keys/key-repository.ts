import { type Kysely, sql } from 'kysely'
import type { BudgetPeriodColumn, Scope, Tables } from '../db/tables.js'
import type { LimitFields } from '../limits/limit-policy.js'

/** What the key cache needs to decide on a request: the key's policy and its owner's standing. */
export interface KeyPolicyRow {
  id: number
  user_id: number
  scope: Scope[]
  allowed_model_names: string[]
  expires_at: Date | null
  is_active: boolean
  username: string
  is_admin: boolean
  owner_active: boolean
  /** The key's own limits. */
  rpm_limit: number | null
  tpm_limit: number | null
  max_parallel_requests: number | null
  token_budget: number | null
  budget_period: BudgetPeriodColumn | null
  /** The owner's limits, which every key of theirs must pass too. */
  user_rpm_limit: number | null
  user_tpm_limit: number | null
  user_max_parallel_requests: number | null
  user_token_budget: number | null
  user_budget_period: BudgetPeriodColumn | null
}

/** The limit columns of a key or user, as every select and view names them. */
export const LIMIT_COLUMNS = [
  'rpm_limit',
  'tpm_limit',
  'max_parallel_requests',
  'token_budget',
  'budget_period',
] as const

/** The owner's limit fields of a policy row. */
export function ownerLimitFields(row: KeyPolicyRow): LimitFields {
  return {
    rpm_limit: row.user_rpm_limit,
    tpm_limit: row.user_tpm_limit,
    max_parallel_requests: row.user_max_parallel_requests,
    token_budget: row.user_token_budget,
    budget_period: row.user_budget_period,
  }
}

export function findKeyPolicyByHash(
  db: Kysely<Tables>,
  keyHash: string,
): Promise<KeyPolicyRow | undefined> {
  return db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .select([
      'k.id',
      'k.user_id',
      'k.scope',
      'k.allowed_model_names',
      'k.expires_at',
      'k.is_active',
      'u.username',
      'u.is_admin',
      'u.is_active as owner_active',
      'k.rpm_limit',
      'k.tpm_limit',
      'k.max_parallel_requests',
      'k.token_budget',
      'k.budget_period',
      'u.rpm_limit as user_rpm_limit',
      'u.tpm_limit as user_tpm_limit',
      'u.max_parallel_requests as user_max_parallel_requests',
      'u.token_budget as user_token_budget',
      'u.budget_period as user_budget_period',
    ])
    .where('k.key_hash', '=', keyHash)
    .executeTakeFirst()
}

/** The leading `length` hex digits of every key hash, for the set of hashes that may exist (one query). */
export async function listKeyHashPrefixes(db: Kysely<Tables>, length: number): Promise<string[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select(sql<string>`left(key_hash, ${length})`.as('prefix'))
    .execute()
  return rows.map((r) => r.prefix)
}

/** A key as the management API shows it: never the hash, never the value. */
export interface ApiKeyRecord {
  id: number
  name: string
  description: string
  masked_value: string
  is_custom: boolean
  scope: Scope[]
  allowed_model_names: string[]
  expires_at: Date | null
  is_active: boolean
  last_used_at: Date | null
  user_id: number
  user_name: string
  created_at: Date
  updated_at: Date
  rpm_limit: number | null
  tpm_limit: number | null
  max_parallel_requests: number | null
  token_budget: number | null
  budget_period: BudgetPeriodColumn | null
}

function selectApiKeys(db: Kysely<Tables>) {
  return db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .select([
      'k.id',
      'k.name',
      'k.description',
      'k.masked_value',
      'k.is_custom',
      'k.scope',
      'k.allowed_model_names',
      'k.expires_at',
      'k.is_active',
      'k.last_used_at',
      'k.user_id',
      'u.username as user_name',
      'k.created_at',
      'k.updated_at',
      'k.rpm_limit',
      'k.tpm_limit',
      'k.max_parallel_requests',
      'k.token_budget',
      'k.budget_period',
    ])
}

export function findApiKeyById(db: Kysely<Tables>, id: number): Promise<ApiKeyRecord | undefined> {
  return selectApiKeys(db).where('k.id', '=', id).executeTakeFirst()
}

export const SORTABLE_KEY_COLUMNS = [
  'name',
  'created_at',
  'updated_at',
  'expires_at',
  'last_used_at',
] as const
export type SortableKeyColumn = (typeof SORTABLE_KEY_COLUMNS)[number]

export interface KeyListQuery {
  /** Only this owner's keys; null for every owner. */
  ownerId: number | null
  /** Matched case-insensitively against name and description, as a plain substring. */
  search: string
  sortBy: SortableKeyColumn
  descending: boolean
  limit: number
  offset: number
}

/** Escapes LIKE wildcards so a search for "50%" finds exactly that text. */
function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`
}

export async function listApiKeys(
  db: Kysely<Tables>,
  q: KeyListQuery,
): Promise<{ rows: ApiKeyRecord[]; total: number }> {
  let filtered = selectApiKeys(db)
  if (q.ownerId !== null) {
    filtered = filtered.where('k.user_id', '=', q.ownerId)
  }
  if (q.search !== '') {
    const pattern = likePattern(q.search)
    filtered = filtered.where((eb) =>
      eb.or([eb('k.name', 'ilike', pattern), eb('k.description', 'ilike', pattern)]),
    )
  }
  const direction = q.descending ? sql`desc` : sql`asc`
  // Never-used keys sort after used ones either way; the id breaks ties so pages never overlap.
  const nulls = q.sortBy === 'last_used_at' ? sql`nulls last` : sql``
  const rows = await filtered
    .orderBy(sql`${sql.ref(`k.${q.sortBy}`)} ${direction} ${nulls}`)
    .orderBy('k.id', q.descending ? 'desc' : 'asc')
    .limit(q.limit)
    .offset(q.offset)
    .execute()
  const count = await filtered
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow()
  return { rows, total: Number(count.total) }
}

export interface NewKeyValues {
  user_id: number
  name: string
  description: string
  key_hash: string
  access_key: string | null
  masked_value: string
  is_custom: boolean
  scope: Scope[]
  allowed_model_names: string[]
  expires_at: Date | null
  rpm_limit: number | null
  tpm_limit: number | null
  max_parallel_requests: number | null
  token_budget: number | null
  budget_period: BudgetPeriodColumn | null
}

export function insertApiKey(db: Kysely<Tables>, values: NewKeyValues): Promise<{ id: number }> {
  return db.insertInto('api_keys').values(values).returning('id').executeTakeFirstOrThrow()
}

export interface KeyPatch {
  description?: string
  scope?: Scope[]
  allowed_model_names?: string[]
  expires_at?: Date | null
  is_active?: boolean
  rpm_limit?: number | null
  tpm_limit?: number | null
  max_parallel_requests?: number | null
  token_budget?: number | null
  budget_period?: BudgetPeriodColumn | null
}

/** Applies the patch; undefined when the key no longer exists. */
export function updateApiKey(
  db: Kysely<Tables>,
  id: number,
  patch: KeyPatch,
): Promise<{ key_hash: string } | undefined> {
  return db
    .updateTable('api_keys')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returning('key_hash')
    .executeTakeFirst()
}

export function deleteApiKey(
  db: Kysely<Tables>,
  id: number,
): Promise<{ key_hash: string } | undefined> {
  return db.deleteFrom('api_keys').where('id', '=', id).returning('key_hash').executeTakeFirst()
}

export function findUserIdByUsername(
  db: Kysely<Tables>,
  username: string,
): Promise<{ id: number; is_active: boolean } | undefined> {
  return db
    .selectFrom('users')
    .select(['id', 'is_active'])
    .where('username', '=', username)
    .executeTakeFirst()
}

/**
 * Renames `from` to `to` in every key's allowlist (a model rename carries its allowlists with it), keeping each
 * list's order and naming `to` once; returns the hashes of the keys changed, for their cache events.
 */
export async function renameInAllowlists(
  db: Kysely<Tables>,
  from: string,
  to: string,
): Promise<string[]> {
  const rows = await sql<{ key_hash: string }>`
    update api_keys k set
      allowed_model_names = array(
        select t.name from unnest(array_replace(k.allowed_model_names, ${from}::text, ${to}::text))
          with ordinality as t (name, i)
        group by t.name order by min(t.i)
      ),
      updated_at = now()
    where ${from}::text = any(k.allowed_model_names)
    returning k.key_hash
  `.execute(db)
  return rows.rows.map((r) => r.key_hash)
}

/** How many keys name `model` in their allowlist (what a rename of it carries along). */
export async function countAllowlistsNaming(db: Kysely<Tables>, model: string): Promise<number> {
  const row = await sql<{ n: number }>`
    select count(*)::bigint as n from api_keys where ${model}::text = any(allowed_model_names)
  `.execute(db)
  return Number(row.rows[0]?.n ?? 0)
}

import { type Kysely, sql } from 'kysely'
import type { BudgetPeriodColumn, Scope, Tables } from '../db/tables.js'
import type { LimitFields } from '../limits/limit-policy.js'

/** What the key cache needs to decide on a request: the key's policy and its owner's standing. */
export interface KeyPolicyRow {
  id: number
  user_id: number
  scope: Scope[]
  allowed_model_names: string[]
  /** For a rotated key's previous value: the earlier of the key's expiry and the end of the grace period. */
  expires_at: Date | null
  is_active: boolean
  allowed_ips: string[]
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

/** The key whose current value, or previous value (a rotation's grace period), has this hash. */
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
      // least() skips nulls: a never-expiring key's previous value lasts until the grace period ends.
      sql<Date | null>`case when k.key_hash = ${keyHash} then k.expires_at
        else least(k.expires_at, k.previous_key_expires_at) end`.as('expires_at'),
      'k.is_active',
      'k.allowed_ips',
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
    .where((eb) => eb.or([eb('k.key_hash', '=', keyHash), eb('k.previous_key_hash', '=', keyHash)]))
    .executeTakeFirst()
}

/**
 * The leading `length` hex digits of every key hash, current and previous (a rotated value in its grace period),
 * for the set of hashes that may exist (one query).
 */
export async function listKeyHashPrefixes(db: Kysely<Tables>, length: number): Promise<string[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select(sql<string>`left(key_hash, ${length})`.as('prefix'))
    .unionAll(
      db
        .selectFrom('api_keys')
        .select(sql<string>`left(previous_key_hash, ${length})`.as('prefix'))
        .where('previous_key_hash', 'is not', null),
    )
    .execute()
  return rows.map((r) => r.prefix)
}

/** Whether any key holds this hash as its current or previous value (a custom value must be unique). */
export async function isKeyHashTaken(db: Kysely<Tables>, keyHash: string): Promise<boolean> {
  const row = await db
    .selectFrom('api_keys')
    .select('id')
    .where((eb) => eb.or([eb('key_hash', '=', keyHash), eb('previous_key_hash', '=', keyHash)]))
    .executeTakeFirst()
  return row !== undefined
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
  metadata: Record<string, string>
  allowed_ips: string[]
  /** When a rotation's previous value stops working; null when there is none (or never was). */
  previous_key_expires_at: Date | null
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
      'k.metadata',
      'k.allowed_ips',
      'k.previous_key_expires_at',
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
  /** Only keys whose metadata holds every one of these entries. */
  metadata: Record<string, string>
  /** Only keys expiring after `now` and no later than this; null for no such filter. */
  expiringBefore: { now: Date; until: Date } | null
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
  if (Object.keys(q.metadata).length > 0) {
    filtered = filtered.where(
      sql<boolean>`k.metadata @> ${JSON.stringify(q.metadata)}::text::jsonb`,
    )
  }
  if (q.expiringBefore !== null) {
    filtered = filtered
      .where('k.expires_at', '>', q.expiringBefore.now)
      .where('k.expires_at', '<=', q.expiringBefore.until)
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
  metadata: Record<string, string>
  allowed_ips: string[]
}

/** JSON text cast to jsonb: postgres.js would otherwise JSON-encode the text again (a jsonb string). */
function jsonb(value: Record<string, string>) {
  return sql<string>`${JSON.stringify(value)}::text::jsonb`
}

export function insertApiKey(db: Kysely<Tables>, values: NewKeyValues): Promise<{ id: number }> {
  return db
    .insertInto('api_keys')
    .values({ ...values, metadata: jsonb(values.metadata) })
    .returning('id')
    .executeTakeFirstOrThrow()
}

export interface KeyPatch {
  name?: string
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
  metadata?: Record<string, string>
  allowed_ips?: string[]
}

/** Applies the patch; undefined when the key no longer exists. */
export function updateApiKey(
  db: Kysely<Tables>,
  id: number,
  patch: KeyPatch,
): Promise<{ key_hash: string; previous_key_hash: string | null } | undefined> {
  const { metadata, ...rest } = patch
  return db
    .updateTable('api_keys')
    .set({
      ...rest,
      ...(metadata === undefined ? {} : { metadata: jsonb(metadata) }),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returning(['key_hash', 'previous_key_hash'])
    .executeTakeFirst()
}

export interface KeyValueChange {
  key_hash: string
  access_key: string | null
  masked_value: string
  is_custom: boolean
  previous_key_hash: string | null
  previous_key_expires_at: Date | null
}

type KeyHashes = { key_hash: string; previous_key_hash: string | null }

/**
 * Gives the key a new value (rotation), built from the hashes it holds now (read under a row lock, so two
 * rotations of one key queue); returns those hashes, undefined when the key is gone.
 */
export async function replaceKeyValue(
  db: Kysely<Tables>,
  id: number,
  change: (before: KeyHashes) => KeyValueChange,
): Promise<KeyHashes | undefined> {
  const before = await db
    .selectFrom('api_keys')
    .select(['key_hash', 'previous_key_hash'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst()
  if (before === undefined) {
    return undefined
  }
  await db
    .updateTable('api_keys')
    .set({ ...change(before), updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute()
  return before
}

/** Keys that are active and expire after `now` and no later than `until` (the expiring-soon gauge). */
export async function countKeysExpiringBetween(
  db: Kysely<Tables>,
  now: Date,
  until: Date,
): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('is_active', '=', true)
    .where('expires_at', '>', now)
    .where('expires_at', '<=', until)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export function deleteApiKey(
  db: Kysely<Tables>,
  id: number,
): Promise<{ key_hash: string; previous_key_hash: string | null } | undefined> {
  return db
    .deleteFrom('api_keys')
    .where('id', '=', id)
    .returning(['key_hash', 'previous_key_hash'])
    .executeTakeFirst()
}

/** The id of the owner's key with this name (names are unique per owner). */
export async function findKeyIdByOwnerAndName(
  db: Kysely<Tables>,
  ownerId: number,
  name: string,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select('id')
    .where('user_id', '=', ownerId)
    .where('name', '=', name)
    .executeTakeFirst()
  return row?.id
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

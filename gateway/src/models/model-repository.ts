import type { Kysely } from 'kysely'
import type { AccessPolicy, Backend, Tables } from '../db/tables.js'

/** Typed reads and writes of models, their instances and grants. Every function takes `db` (or a transaction). */

export interface ModelRecord {
  id: number
  name: string
  description: string
  backend: Backend
  upstream_model_name: string | null
  access_policy: AccessPolicy
  managed_by: 'api' | 'file'
  created_at: Date
  updated_at: Date
  routes: string[] | null
}

export interface InstanceRecord {
  id: number
  model_id: number
  url: string
  weight: number
  worker: string
  api_key: string | null
}

export interface GrantRecord {
  model_id: number
  user_id: number
}

const MODEL_COLUMNS = [
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
] as const

export const listAllModels = (db: Kysely<Tables>): Promise<ModelRecord[]> =>
  db.selectFrom('models').select(MODEL_COLUMNS).orderBy('id').execute()

export const listAllInstances = (db: Kysely<Tables>): Promise<InstanceRecord[]> =>
  db
    .selectFrom('model_instances')
    .select(['id', 'model_id', 'url', 'weight', 'worker', 'api_key'])
    .orderBy('id')
    .execute()

export const listAllGrants = (db: Kysely<Tables>): Promise<GrantRecord[]> =>
  db.selectFrom('model_user_grants').select(['model_id', 'user_id']).execute()

export const findModelById = (db: Kysely<Tables>, id: number): Promise<ModelRecord | undefined> =>
  db.selectFrom('models').select(MODEL_COLUMNS).where('id', '=', id).executeTakeFirst()

export const findModelByName = (
  db: Kysely<Tables>,
  name: string,
): Promise<ModelRecord | undefined> =>
  db.selectFrom('models').select(MODEL_COLUMNS).where('name', '=', name).executeTakeFirst()

export interface ModelValues {
  name: string
  description: string
  backend: Backend
  upstream_model_name: string | null
  access_policy: AccessPolicy
  /** The proxied routes the model serves; null = its backend's. */
  routes: string[] | null
}

export async function insertModel(
  db: Kysely<Tables>,
  values: ModelValues & { managed_by: 'api' | 'file' },
): Promise<number> {
  const row = await db.insertInto('models').values(values).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function updateModel(
  db: Kysely<Tables>,
  id: number,
  values: Partial<ModelValues> & { managed_by?: 'api' | 'file' },
): Promise<void> {
  await db
    .updateTable('models')
    .set({ ...values, updated_at: new Date() })
    .where('id', '=', id)
    .execute()
}

export async function deleteModel(db: Kysely<Tables>, id: number): Promise<void> {
  await db.deleteFrom('models').where('id', '=', id).execute()
}

export async function deleteModels(db: Kysely<Tables>, ids: readonly number[]): Promise<void> {
  if (ids.length > 0) {
    await db.deleteFrom('models').where('id', 'in', ids).execute()
  }
}

/** An instance as it should be; an omitted `api_key` keeps the key of the existing instance with the same URL. */
export interface DesiredInstance {
  url: string
  weight: number
  worker: string
  api_key?: string | null | undefined
}

/**
 * Makes the model's instances exactly `desired`, matched by URL: matching rows are updated only when they differ
 * (ids and created_at survive an edit), new URLs are inserted, missing ones deleted. Returns whether anything changed.
 */
export async function syncInstances(
  db: Kysely<Tables>,
  modelId: number,
  desired: readonly DesiredInstance[],
): Promise<boolean> {
  const existing = await db
    .selectFrom('model_instances')
    .select(['id', 'url', 'weight', 'worker', 'api_key'])
    .where('model_id', '=', modelId)
    .execute()
  const byUrl = new Map(existing.map((r) => [r.url, r]))
  const wanted = new Set(desired.map((d) => d.url))
  const stale = existing.filter((r) => !wanted.has(r.url)).map((r) => r.id)
  let changed = stale.length > 0
  if (stale.length > 0) {
    await db.deleteFrom('model_instances').where('id', 'in', stale).execute()
  }
  for (const d of desired) {
    const row = byUrl.get(d.url)
    if (row === undefined) {
      await db
        .insertInto('model_instances')
        .values({
          model_id: modelId,
          url: d.url,
          weight: d.weight,
          worker: d.worker,
          api_key: d.api_key ?? null,
        })
        .execute()
      changed = true
      continue
    }
    const apiKey = d.api_key === undefined ? row.api_key : d.api_key
    if (row.weight !== d.weight || row.worker !== d.worker || row.api_key !== apiKey) {
      await db
        .updateTable('model_instances')
        .set({ weight: d.weight, worker: d.worker, api_key: apiKey, updated_at: new Date() })
        .where('id', '=', row.id)
        .execute()
      changed = true
    }
  }
  return changed
}

/** Makes the model's grants exactly `userIds`; returns whether anything changed. */
export async function syncGrants(
  db: Kysely<Tables>,
  modelId: number,
  userIds: readonly number[],
): Promise<boolean> {
  const existing = await db
    .selectFrom('model_user_grants')
    .select('user_id')
    .where('model_id', '=', modelId)
    .execute()
  const have = new Set(existing.map((r) => r.user_id))
  const want = new Set(userIds)
  const gone = [...have].filter((id) => !want.has(id))
  const added = [...want].filter((id) => !have.has(id))
  if (gone.length > 0) {
    await db
      .deleteFrom('model_user_grants')
      .where('model_id', '=', modelId)
      .where('user_id', 'in', gone)
      .execute()
  }
  if (added.length > 0) {
    await db
      .insertInto('model_user_grants')
      .values(added.map((user_id) => ({ model_id: modelId, user_id })))
      .execute()
  }
  return gone.length > 0 || added.length > 0
}

/** Of `ids`, those that are existing users. */
export async function findExistingUserIds(
  db: Kysely<Tables>,
  ids: readonly number[],
): Promise<Set<number>> {
  if (ids.length === 0) {
    return new Set()
  }
  const rows = await db.selectFrom('users').select('id').where('id', 'in', ids).execute()
  return new Set(rows.map((r) => r.id))
}

/** Username → id for those of `usernames` that exist. */
export async function findUserIdsByUsername(
  db: Kysely<Tables>,
  usernames: readonly string[],
): Promise<Map<string, number>> {
  if (usernames.length === 0) {
    return new Map()
  }
  const rows = await db
    .selectFrom('users')
    .select(['id', 'username'])
    .where('username', 'in', usernames)
    .execute()
  return new Map(rows.map((r) => [r.username, r.id]))
}

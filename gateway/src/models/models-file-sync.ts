import { type Kysely, sql } from 'kysely'
import type { Logger } from 'pino'
import { recordAudit, SYSTEM_ACTOR } from '../audit/audit-log.js'
import { recordChange } from '../changes/change-feed.js'
import type { Tables } from '../db/tables.js'
import { changePrice } from './model-prices.js'
import {
  deleteModels,
  findUserIdsByUsername,
  insertModel,
  listAllModels,
  type ModelRecord,
  type ModelValues,
  syncGrants,
  syncInstances,
  updateModel,
} from './model-repository.js'
import type { ModelSpec } from './models-file.js'

/** Any fixed number: replicas starting at once take this transaction-scoped lock and apply the file one by one. */
const MODELS_FILE_LOCK = 0x6b67_6d66 // "kgmf"

export interface ApplyModelsFileOptions {
  /** Warnings (unknown usernames, models taken over from the API) are logged here. */
  logger?: Pick<Logger, 'warn' | 'info'>
}

export interface ApplyModelsFileResult {
  created: string[]
  updated: string[]
  deleted: string[]
  /** API-managed models of the same name as a file entry, now managed by the file. */
  takenOver: string[]
  /** "model: username" for allowed_users entries that name no user (skipped). */
  unknownUsers: string[]
}

/**
 * Makes the database's file-managed models exactly the file's: each entry is upserted by name as managed_by 'file'
 * (an API-managed model of the same name is taken over), its instances and grants replaced; file-managed models no
 * longer in the file are deleted; API-managed models are left alone. One transaction, so a replica never sees half
 * a file, and idempotent: a second run with the same file changes nothing.
 */
export async function applyModelsFile(
  db: Kysely<Tables>,
  models: readonly ModelSpec[],
  options: ApplyModelsFileOptions = {},
): Promise<ApplyModelsFileResult> {
  const result: ApplyModelsFileResult = {
    created: [],
    updated: [],
    deleted: [],
    takenOver: [],
    unknownUsers: [],
  }
  await db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${MODELS_FILE_LOCK})`.execute(tx)
    const existing = new Map((await listAllModels(tx)).map((m) => [m.name, m]))
    const userIds = await findUserIdsByUsername(tx, [
      ...new Set(models.flatMap((m) => m.allowed_users)),
    ])
    for (const spec of models) {
      const grants: number[] = []
      for (const username of spec.allowed_users) {
        const id = userIds.get(username)
        if (id === undefined) {
          result.unknownUsers.push(`${spec.name}: ${username}`)
        } else {
          grants.push(id)
        }
      }
      const current = existing.get(spec.name)
      if (current?.managed_by === 'api') {
        result.takenOver.push(spec.name)
      }
      const outcome = await upsertFileModel(tx, spec, current, grants)
      if (outcome !== 'unchanged') {
        result[outcome].push(spec.name)
      }
    }
    const inFile = new Set(models.map((m) => m.name))
    const gone = [...existing.values()].filter(
      (m) => m.managed_by === 'file' && !inFile.has(m.name),
    )
    await deleteModels(
      tx,
      gone.map((m) => m.id),
    )
    result.deleted.push(...gone.map((m) => m.name))
    if (result.created.length + result.updated.length + result.deleted.length > 0) {
      await recordChange(tx, 'model', '*')
      // One row per start-up that changed something: the file (the operator) is the actor. Names only.
      await recordAudit(tx, {
        actor: SYSTEM_ACTOR,
        action: 'model.file_sync',
        target: { type: 'model', id: '*' },
        details: {
          created: result.created,
          updated: result.updated,
          deleted: result.deleted,
          taken_over: result.takenOver,
        },
      })
    }
  })
  report(result, models.length, options.logger)
  return result
}

async function upsertFileModel(
  tx: Kysely<Tables>,
  spec: ModelSpec,
  current: ModelRecord | undefined,
  grants: readonly number[],
): Promise<'created' | 'updated' | 'unchanged'> {
  const values: ModelValues = {
    name: spec.name,
    description: spec.description,
    backend: spec.backend,
    upstream_model_name: spec.upstream_model_name ?? null,
    access_policy: spec.access_policy,
    routes: spec.routes ?? null,
  }
  // The file is the whole truth for its models: an instance without api_key in the file has none.
  const instances = spec.instances.map((i) => ({ ...i, api_key: i.api_key ?? null }))
  // The file's prices are the whole truth too: a model it lists without a price has none from now on.
  const price = {
    inputPerMtok: spec.input_price_per_mtok ?? null,
    outputPerMtok: spec.output_price_per_mtok ?? null,
  }
  if (current === undefined) {
    const id = await insertModel(tx, { ...values, managed_by: 'file' })
    await syncInstances(tx, id, instances)
    await syncGrants(tx, id, grants)
    await changePrice(tx, id, price)
    return 'created'
  }
  const rowChanged =
    current.managed_by !== 'file' ||
    current.description !== values.description ||
    current.backend !== values.backend ||
    current.upstream_model_name !== values.upstream_model_name ||
    current.access_policy !== values.access_policy ||
    !sameRoutes(current.routes, values.routes)
  if (rowChanged) {
    await updateModel(tx, current.id, { ...values, managed_by: 'file' })
  }
  const instancesChanged = await syncInstances(tx, current.id, instances)
  const grantsChanged = await syncGrants(tx, current.id, grants)
  const priceChanged = await changePrice(tx, current.id, price)
  return rowChanged || instancesChanged || grantsChanged || priceChanged ? 'updated' : 'unchanged'
}

function sameRoutes(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) {
    return a === b
  }
  return a.length === b.length && a.every((r, i) => r === b[i])
}

function report(
  result: ApplyModelsFileResult,
  declared: number,
  logger: ApplyModelsFileOptions['logger'],
): void {
  if (logger === undefined) {
    return
  }
  for (const model of result.takenOver) {
    logger.warn({ model }, 'KEYGATE_MODELS_FILE took over a model created through the API')
  }
  for (const entry of result.unknownUsers) {
    logger.warn(
      { entry },
      'KEYGATE_MODELS_FILE grants a model to an unknown username; skipped until that user exists and the gateway restarts',
    )
  }
  logger.info(
    {
      declared,
      created: result.created,
      updated: result.updated,
      deleted: result.deleted,
    },
    'KEYGATE_MODELS_FILE applied',
  )
}

import type { Kysely } from 'kysely'
import { recordAudit } from '../audit/audit-log.js'
import { recordChange } from '../changes/change-feed.js'
import type { AccessPolicy, Backend, Tables } from '../db/tables.js'
import { renameInAllowlists } from '../keys/key-repository.js'
import { changePrice, currentPrice } from './model-prices.js'
import {
  type DesiredInstance,
  deleteModel,
  findExistingUserIds,
  findModelById,
  findModelByName,
  insertModel,
  syncGrants,
  syncInstances,
  updateModel,
} from './model-repository.js'

/** Creating, editing and deleting API-managed models: one transaction each, with its cache event and audit row. */

export interface ModelInput {
  name: string
  description: string
  backend: Backend
  upstream_model_name: string | null
  access_policy: AccessPolicy
  /** The proxied routes it serves; null = its backend's. */
  routes: string[] | null
  allowed_user_ids: number[]
  /** On update, an instance whose api_key is undefined keeps the key of the existing instance with its URL. */
  instances: DesiredInstance[]
  /** Per million tokens; null = not priced. A change adds a row to the price history (model-prices.ts). */
  input_price_per_mtok: number | null
  output_price_per_mtok: number | null
}

export type ModelPatch = Partial<ModelInput>

export interface Actor {
  userId: number
  keyId: number | null
}

export type WriteOutcome =
  | { ok: true; id: number }
  | { ok: false; reason: 'not_found' | 'file_managed' | 'duplicate_name' }
  | { ok: false; reason: 'unknown_users'; userIds: number[] }

/** Thrown inside a transaction to roll it back with an outcome. */
class Refusal extends Error {
  constructor(readonly outcome: Extract<WriteOutcome, { ok: false }>) {
    super(outcome.reason)
  }
}

async function inTransaction(
  db: Kysely<Tables>,
  work: (tx: Kysely<Tables>) => Promise<number>,
): Promise<WriteOutcome> {
  try {
    return { ok: true, id: await db.transaction().execute(work) }
  } catch (err) {
    if (err instanceof Refusal) {
      return err.outcome
    }
    if (isUniqueViolation(err)) {
      // Two admins creating or renaming to the same name at once: the loser gets the same 409 as a pre-check.
      return { ok: false, reason: 'duplicate_name' }
    }
    throw err
  }
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ('code' in e && e.code === '23505') {
      return true
    }
  }
  return false
}

async function checkUsers(tx: Kysely<Tables>, ids: readonly number[]): Promise<void> {
  const found = await findExistingUserIds(tx, ids)
  const missing = ids.filter((id) => !found.has(id))
  if (missing.length > 0) {
    throw new Refusal({ ok: false, reason: 'unknown_users', userIds: missing })
  }
}

async function checkNameFree(tx: Kysely<Tables>, name: string, selfId?: number): Promise<void> {
  const other = await findModelByName(tx, name)
  if (other !== undefined && other.id !== selfId) {
    throw new Refusal({ ok: false, reason: 'duplicate_name' })
  }
}

export function createModel(db: Kysely<Tables>, input: ModelInput, actor: Actor) {
  return inTransaction(db, async (tx) => {
    await checkNameFree(tx, input.name)
    await checkUsers(tx, input.allowed_user_ids)
    const { allowed_user_ids, instances, input_price_per_mtok, output_price_per_mtok, ...values } =
      input
    const id = await insertModel(tx, { ...values, managed_by: 'api' })
    await syncInstances(tx, id, instances)
    await syncGrants(tx, id, allowed_user_ids)
    await changePrice(tx, id, {
      inputPerMtok: input_price_per_mtok,
      outputPerMtok: output_price_per_mtok,
    })
    await recordChange(tx, 'model', String(id))
    await recordAudit(tx, {
      actor,
      action: 'model.create',
      target: { type: 'model', id },
      details: {
        name: input.name,
        backend: input.backend,
        access_policy: input.access_policy,
        allowed_user_ids,
        instance_count: instances.length,
        input_price_per_mtok,
        output_price_per_mtok,
      },
    })
    return id
  })
}

async function findEditable(tx: Kysely<Tables>, id: number) {
  const model = await findModelById(tx, id)
  if (model === undefined) {
    throw new Refusal({ ok: false, reason: 'not_found' })
  }
  if (model.managed_by === 'file') {
    throw new Refusal({ ok: false, reason: 'file_managed' })
  }
  return model
}

export function updateModelById(db: Kysely<Tables>, id: number, patch: ModelPatch, actor: Actor) {
  return inTransaction(db, async (tx) => {
    const model = await findEditable(tx, id)
    const { allowed_user_ids, instances, input_price_per_mtok, output_price_per_mtok, ...values } =
      patch
    let renamedAllowlists = 0
    if (input_price_per_mtok !== undefined || output_price_per_mtok !== undefined) {
      const now = await currentPrice(tx, id)
      await changePrice(tx, id, {
        inputPerMtok: input_price_per_mtok === undefined ? now.inputPerMtok : input_price_per_mtok,
        outputPerMtok:
          output_price_per_mtok === undefined ? now.outputPerMtok : output_price_per_mtok,
      })
    }
    if (values.name !== undefined && values.name !== model.name) {
      await checkNameFree(tx, values.name, id)
      // Keys whose allowlist names the model follow the rename, in force on every replica with this commit.
      const keyHashes = await renameInAllowlists(tx, model.name, values.name)
      for (const hash of keyHashes) {
        await recordChange(tx, 'key', hash)
      }
      renamedAllowlists = keyHashes.length
    }
    if (allowed_user_ids !== undefined) {
      await checkUsers(tx, allowed_user_ids)
      await syncGrants(tx, id, allowed_user_ids)
    }
    if (instances !== undefined) {
      await syncInstances(tx, id, instances)
    }
    await updateModel(tx, id, values)
    await recordChange(tx, 'model', String(id))
    await recordAudit(tx, {
      actor,
      action: 'model.update',
      target: { type: 'model', id },
      // Field names only: values could hold instance credentials.
      details: {
        name: values.name ?? model.name,
        fields: Object.keys(patch).sort(),
        ...(renamedAllowlists > 0
          ? { previous_name: model.name, key_allowlists_renamed: renamedAllowlists }
          : {}),
      },
    })
    return id
  })
}

export function deleteModelById(db: Kysely<Tables>, id: number, actor: Actor) {
  return inTransaction(db, async (tx) => {
    const model = await findEditable(tx, id)
    await deleteModel(tx, id)
    await recordChange(tx, 'model', String(id))
    await recordAudit(tx, {
      actor,
      action: 'model.delete',
      target: { type: 'model', id },
      details: { name: model.name },
    })
    return id
  })
}

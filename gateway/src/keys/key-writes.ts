import type { Kysely } from 'kysely'
import { diffFields } from '../audit/audit-diff.js'
import { type AuditActor, recordAudit } from '../audit/audit-log.js'
import { recordChange } from '../changes/change-feed.js'
import type { Scope, Tables } from '../db/tables.js'
import { checkCustomKey, generateKey, maskCustomKey } from './api-key.js'
import { hashKey } from './key-hash.js'
import {
  type ApiKeyRecord,
  deleteApiKey,
  findApiKeyById,
  insertApiKey,
  type KeyPatch,
  updateApiKey,
} from './key-repository.js'

/**
 * Every change to api_keys goes through here, so each one commits together with its cache_events row (replicas
 * drop their cached copy) and its audit row. The API and `keygate keys create` share these functions.
 */

export interface CreateKeyInput {
  name: string
  description: string
  /** Null: the key never expires. */
  expiresInSeconds: number | null
  scope: Scope[]
  allowedModelNames: string[]
  /** The caller's own value; null to generate one. */
  custom: string | null
}

export type CreateKeyOutcome =
  | { ok: true; key: ApiKeyRecord; value: string }
  | { ok: false; reason: 'weak_custom_value'; message: string }
  | { ok: false; reason: 'duplicate_name' | 'duplicate_value' }

export async function createKey(
  db: Kysely<Tables>,
  options: { ownerId: number; input: CreateKeyInput; actor: AuditActor; nowMs: number },
): Promise<CreateKeyOutcome> {
  const { ownerId, input, actor, nowMs } = options
  let value: string
  let accessKey: string | null = null
  let maskedValue: string
  if (input.custom === null) {
    const generated = generateKey()
    value = generated.value
    accessKey = generated.accessKey
    maskedValue = generated.maskedValue
  } else {
    const check = checkCustomKey(input.custom)
    if (!check.ok) {
      return { ok: false, reason: 'weak_custom_value', message: check.message }
    }
    value = input.custom
    maskedValue = maskCustomKey(value)
  }
  const keyHash = hashKey(value)
  const expiresAt =
    input.expiresInSeconds === null ? null : new Date(nowMs + input.expiresInSeconds * 1000)
  try {
    const key = await db.transaction().execute(async (tx) => {
      const { id } = await insertApiKey(tx, {
        user_id: ownerId,
        name: input.name,
        description: input.description,
        key_hash: keyHash,
        access_key: accessKey,
        masked_value: maskedValue,
        is_custom: input.custom !== null,
        scope: input.scope,
        allowed_model_names: input.allowedModelNames,
        expires_at: expiresAt,
      })
      // A cached "unknown" for this hash (someone tried the value before it existed) must go.
      await recordChange(tx, 'key', keyHash)
      await recordAudit(tx, {
        actor,
        action: 'api_key.create',
        target: { type: 'api_key', id },
        details: {
          name: input.name,
          owner_user_id: ownerId,
          is_custom: input.custom !== null,
          scope: input.scope,
          allowed_model_names: input.allowedModelNames,
          expires_at: expiresAt?.toISOString() ?? null,
        },
      })
      return findApiKeyById(tx, id)
    })
    if (key === undefined) {
      throw new Error('created key vanished inside its own transaction')
    }
    return { ok: true, key, value }
  } catch (err) {
    const duplicate = uniqueViolation(err)
    if (duplicate !== undefined) {
      return { ok: false, reason: duplicate }
    }
    throw err
  }
}

/** Maps a unique violation to what it means; postgres.js and PGlite name the constraint differently. */
function uniqueViolation(err: unknown): 'duplicate_name' | 'duplicate_value' | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err) || err.code !== '23505') {
    return undefined
  }
  const constraint =
    ('constraint_name' in err && err.constraint_name) || ('constraint' in err && err.constraint)
  if (constraint === 'api_keys_owner_name_unique') {
    return 'duplicate_name'
  }
  return typeof constraint === 'string' && constraint.includes('key_hash')
    ? 'duplicate_value'
    : undefined
}

/** The fields an edit may change; the value and its hash never change and are never recorded. */
const AUDITED_KEY_FIELDS = [
  'description',
  'scope',
  'allowed_model_names',
  'expires_at',
  'is_active',
] as const satisfies readonly (keyof KeyPatch)[]

/** Applies `patch`; undefined when the key no longer exists. */
export async function editKey(
  db: Kysely<Tables>,
  options: { id: number; patch: KeyPatch; actor: AuditActor },
): Promise<ApiKeyRecord | undefined> {
  const { id, patch, actor } = options
  return db.transaction().execute(async (tx) => {
    const before = await findApiKeyById(tx, id)
    const updated = before === undefined ? undefined : await updateApiKey(tx, id, patch)
    if (before === undefined || updated === undefined) {
      return undefined
    }
    await recordChange(tx, 'key', updated.key_hash)
    await recordAudit(tx, {
      actor,
      action: 'api_key.update',
      target: { type: 'api_key', id },
      details: {
        name: before.name,
        owner_user_id: before.user_id,
        changes: diffFields(before, patch, AUDITED_KEY_FIELDS),
      },
    })
    return findApiKeyById(tx, id)
  })
}

/** Deletes the key; false when it did not exist. */
export async function removeKey(
  db: Kysely<Tables>,
  options: { id: number; actor: AuditActor },
): Promise<boolean> {
  const { id, actor } = options
  return db.transaction().execute(async (tx) => {
    const before = await findApiKeyById(tx, id)
    const deleted = await deleteApiKey(tx, id)
    if (deleted === undefined) {
      return false
    }
    await recordChange(tx, 'key', deleted.key_hash)
    await recordAudit(tx, {
      actor,
      action: 'api_key.delete',
      target: { type: 'api_key', id },
      details: { name: before?.name ?? null, owner_user_id: before?.user_id ?? null },
    })
    return true
  })
}

import type { Kysely } from 'kysely'
import { diffFields } from '../audit/audit-diff.js'
import { type AuditActor, recordAudit } from '../audit/audit-log.js'
import { recordChange } from '../changes/change-feed.js'
import type { Scope, Tables } from '../db/tables.js'
import type { LimitColumnsValues } from '../limits/limit-input.js'
import { readSettings } from '../settings/installation-settings.js'
import { snapshotUsageOwners } from '../usage/usage-snapshot.js'
import { checkCustomKey, generateKey, maskCustomKey } from './api-key.js'
import { hashKey } from './key-hash.js'
import { checkExpiryAgainstPolicy } from './key-lifetime-policy.js'
import {
  type ApiKeyRecord,
  deleteApiKey,
  findApiKeyById,
  insertApiKey,
  isKeyHashTaken,
  type KeyPatch,
  replaceKeyValue,
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
  /** rpm, tpm, parallel and budget limits; null each for none. */
  limits: LimitColumnsValues
  metadata: Record<string, string>
  /** CIDRs, already normalised (keys/key-input.ts); empty = anywhere. */
  allowedIps: string[]
}

/** Refusals every write may give; the route maps each to its status. */
export type KeyWriteRefusal =
  | { ok: false; reason: 'weak_custom_value' | 'lifetime_policy'; message: string }
  | { ok: false; reason: 'duplicate_name' | 'duplicate_value' }

export type CreateKeyOutcome = { ok: true; key: ApiKeyRecord; value: string } | KeyWriteRefusal

/** A value for a key: generated, or the caller's custom one if it passes the rules. */
function newValue(
  custom: string | null,
): { ok: true; value: string; accessKey: string | null; maskedValue: string } | KeyWriteRefusal {
  if (custom === null) {
    const generated = generateKey()
    return { ok: true, ...generated }
  }
  const check = checkCustomKey(custom)
  if (!check.ok) {
    return { ok: false, reason: 'weak_custom_value', message: check.message }
  }
  return { ok: true, value: custom, accessKey: null, maskedValue: maskCustomKey(custom) }
}

/** Thrown inside a transaction to roll it back with a refusal. */
class Refused extends Error {
  constructor(readonly refusal: KeyWriteRefusal) {
    super(refusal.reason)
  }
}

export async function createKey(
  db: Kysely<Tables>,
  options: { ownerId: number; input: CreateKeyInput; actor: AuditActor; nowMs: number },
): Promise<CreateKeyOutcome> {
  const { ownerId, input, actor, nowMs } = options
  const made = newValue(input.custom)
  if (!made.ok) {
    return made
  }
  const { value, accessKey, maskedValue } = made
  const keyHash = hashKey(value)
  const expiresAt =
    input.expiresInSeconds === null ? null : new Date(nowMs + input.expiresInSeconds * 1000)
  try {
    const key = await db.transaction().execute(async (tx) => {
      const policy = checkExpiryAgainstPolicy(expiresAt, await readSettings(tx), nowMs)
      if (!policy.ok) {
        throw new Refused({ ok: false, reason: 'lifetime_policy', message: policy.message })
      }
      // A rotated key's previous value is not in the unique key_hash column.
      if (input.custom !== null && (await isKeyHashTaken(tx, keyHash))) {
        throw new Refused({ ok: false, reason: 'duplicate_value' })
      }
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
        ...input.limits,
        metadata: input.metadata,
        allowed_ips: input.allowedIps,
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
          ...input.limits,
          metadata: input.metadata,
          allowed_ips: input.allowedIps,
        },
      })
      return findApiKeyById(tx, id)
    })
    if (key === undefined) {
      throw new Error('created key vanished inside its own transaction')
    }
    return { ok: true, key, value }
  } catch (err) {
    return refusalOf(err)
  }
}

/** A refusal thrown inside a write's transaction, or a unique violation; anything else is rethrown. */
function refusalOf(err: unknown): KeyWriteRefusal {
  if (err instanceof Refused) {
    return err.refusal
  }
  const duplicate = uniqueViolation(err)
  if (duplicate !== undefined) {
    return { ok: false, reason: duplicate }
  }
  throw err
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

/** The fields an edit may change besides the name (its own row); the value and its hash are never recorded. */
const AUDITED_KEY_FIELDS = [
  'description',
  'scope',
  'allowed_model_names',
  'expires_at',
  'is_active',
  'metadata',
  'allowed_ips',
  'rpm_limit',
  'tpm_limit',
  'max_parallel_requests',
  'token_budget',
  'budget_period',
] as const satisfies readonly (keyof KeyPatch)[]

export type EditKeyOutcome =
  | { ok: true; key: ApiKeyRecord }
  | KeyWriteRefusal
  | { ok: false; reason: 'not_found' }

/**
 * Applies `patch`. A new expiry must pass the lifetime policy; a new name must be free among the owner's keys.
 * A rename is its own audit row (`api_key.rename`); every other change is one `api_key.update` row.
 */
export async function editKey(
  db: Kysely<Tables>,
  options: { id: number; patch: KeyPatch; actor: AuditActor; nowMs: number },
): Promise<EditKeyOutcome> {
  const { id, patch, actor, nowMs } = options
  try {
    return await db.transaction().execute(async (tx): Promise<EditKeyOutcome> => {
      if (patch.expires_at !== undefined) {
        const policy = checkExpiryAgainstPolicy(patch.expires_at, await readSettings(tx), nowMs)
        if (!policy.ok) {
          throw new Refused({ ok: false, reason: 'lifetime_policy', message: policy.message })
        }
      }
      const before = await findApiKeyById(tx, id)
      const updated = before === undefined ? undefined : await updateApiKey(tx, id, patch)
      if (before === undefined || updated === undefined) {
        return { ok: false, reason: 'not_found' }
      }
      await recordKeyChanges(tx, updated)
      const { name, ...rest } = patch
      if (name !== undefined && name !== before.name) {
        await recordAudit(tx, {
          actor,
          action: 'api_key.rename',
          target: { type: 'api_key', id },
          details: { name: before.name, changes: { name: { old: before.name, new: name } } },
        })
      }
      if (Object.values(rest).some((v) => v !== undefined)) {
        await recordAudit(tx, {
          actor,
          action: 'api_key.update',
          target: { type: 'api_key', id },
          details: {
            name: before.name,
            owner_user_id: before.user_id,
            changes: diffFields(before, rest, AUDITED_KEY_FIELDS),
          },
        })
      }
      const key = await findApiKeyById(tx, id)
      return key === undefined ? { ok: false, reason: 'not_found' } : { ok: true, key }
    })
  } catch (err) {
    return refusalOf(err)
  }
}

/** Every cached copy of the key goes: its current value's and, during a grace period, its previous value's. */
async function recordKeyChanges(
  tx: Kysely<Tables>,
  hashes: { key_hash: string; previous_key_hash: string | null },
): Promise<void> {
  await recordChange(tx, 'key', hashes.key_hash)
  if (hashes.previous_key_hash !== null) {
    await recordChange(tx, 'key', hashes.previous_key_hash)
  }
}

export type RotateKeyOutcome =
  | { ok: true; key: ApiKeyRecord; value: string }
  | KeyWriteRefusal
  | { ok: false; reason: 'not_found' }

/**
 * Gives the key a new value and keeps everything else (id, name, permissions, allowlists, limits, usage). The
 * previous value keeps working for `graceSeconds` (0: not at all); a value an earlier rotation left in its grace
 * period stops at once, so at most two values work at any time. Each replica refuses the previous value at the
 * end of the grace by the clock: its cached entry carries that time as its expiry.
 */
export async function rotateKey(
  db: Kysely<Tables>,
  options: {
    id: number
    graceSeconds: number
    custom: string | null
    actor: AuditActor
    nowMs: number
  },
): Promise<RotateKeyOutcome> {
  const { id, graceSeconds, custom, actor, nowMs } = options
  const made = newValue(custom)
  if (!made.ok) {
    return made
  }
  const keyHash = hashKey(made.value)
  const graceEnds = graceSeconds > 0 ? new Date(nowMs + graceSeconds * 1000) : null
  try {
    return await db.transaction().execute(async (tx): Promise<RotateKeyOutcome> => {
      if (custom !== null && (await isKeyHashTaken(tx, keyHash))) {
        throw new Refused({ ok: false, reason: 'duplicate_value' })
      }
      const before = await replaceKeyValue(tx, id, (current) => ({
        key_hash: keyHash,
        access_key: made.accessKey,
        masked_value: made.maskedValue,
        is_custom: custom !== null,
        previous_key_hash: graceEnds === null ? null : current.key_hash,
        previous_key_expires_at: graceEnds,
      }))
      if (before === undefined) {
        return { ok: false, reason: 'not_found' }
      }
      await recordKeyChanges(tx, before)
      // A cached "unknown" for the new value must go too.
      await recordChange(tx, 'key', keyHash)
      await recordAudit(tx, {
        actor,
        action: 'api_key.rotate',
        target: { type: 'api_key', id },
        details: {
          grace_seconds: graceSeconds,
          previous_value_valid_until: graceEnds?.toISOString() ?? null,
          is_custom: custom !== null,
        },
      })
      const key = await findApiKeyById(tx, id)
      return key === undefined
        ? { ok: false, reason: 'not_found' }
        : { ok: true, key, value: made.value }
    })
  } catch (err) {
    return refusalOf(err)
  }
}

/** Deletes the key (its usage rows stay); false when it did not exist. */
export async function removeKey(
  db: Kysely<Tables>,
  options: { id: number; actor: AuditActor },
): Promise<boolean> {
  const { id, actor } = options
  return db.transaction().execute(async (tx) => {
    const before = await findApiKeyById(tx, id)
    // Its usage stays, reported under the name and owner it had.
    await snapshotUsageOwners(tx, { keyId: id })
    const deleted = await deleteApiKey(tx, id)
    if (deleted === undefined) {
      return false
    }
    await recordKeyChanges(tx, deleted)
    await recordAudit(tx, {
      actor,
      action: 'api_key.delete',
      target: { type: 'api_key', id },
      details: { name: before?.name ?? null, owner_user_id: before?.user_id ?? null },
    })
    return true
  })
}

import { type Kysely, sql } from 'kysely'
import type { Tables } from '../db/tables.js'
import type { ActorKind, AuditAction, AuditTargetType } from './audit-actions.js'
import { REDACTED } from './audit-diff.js'

export type { AuditTargetType } from './audit-actions.js'

/**
 * Who made a change: a user through a session or one of their keys (`kind: 'user'`), an operator running the
 * `keygate` CLI, or the gateway itself (start-up: bootstrap admin, models file).
 */
export interface AuditActor {
  readonly kind: ActorKind
  readonly userId: number | null
  readonly keyId: number | null
}

export const SYSTEM_ACTOR: AuditActor = { kind: 'system', userId: null, keyId: null }
export const CLI_ACTOR: AuditActor = { kind: 'cli', userId: null, keyId: null }

/** A signed-in user (session: keyId null) or one of their API keys. */
export function userActor(userId: number, keyId: number | null): AuditActor & { userId: number } {
  return { kind: 'user', userId, keyId }
}

export interface AuditEntry {
  readonly actor: AuditActor
  /** `<target>.<verb>`, e.g. `api_key.create`, `user.change_password` (audit-actions.ts). */
  readonly action: AuditAction
  readonly target: { readonly type: AuditTargetType; readonly id: number | string }
  /**
   * What changed, for a human reading the trail: names, ids, flags and, for an update, `changes: {field: {old,
   * new}}` (audit-diff.ts). Never a key value or hash, a password or its hash, a session token or an instance
   * credential (callers leave them out or record SECRET_CHANGE; `withoutSecrets` is the safety net).
   */
  readonly details?: Record<string, unknown>
}

/** Member names whose values are secrets wherever they appear; their values are replaced before the row is written. */
const SECRET_NAMES =
  /^(value|custom|password|new_password|current_password|password_hash|key_hash|api_key|token|secret)$/i

/**
 * Writes one audit_events row. Call it with the transaction that makes the change, so the trail holds exactly the
 * changes that committed.
 */
export async function recordAudit(db: Kysely<Tables>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      actor_kind: entry.actor.kind,
      actor_user_id: entry.actor.userId,
      actor_key_id: entry.actor.keyId,
      action: entry.action,
      target_type: entry.target.type,
      target_id: String(entry.target.id),
      // Sent as text and cast: postgres.js would otherwise JSON-encode the JSON text again (a jsonb string).
      details: sql<string>`${JSON.stringify(withoutSecrets(entry.details ?? {}))}::text::jsonb`,
    })
    .execute()
}

/** Nulls and flags say whether something is set without giving it away; anything else is replaced. */
function redact(value: unknown): unknown {
  return value === null || typeof value === 'boolean' ? value : REDACTED
}

function isFieldChange(value: unknown): value is { old: unknown; new: unknown } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false
  }
  const names = Object.keys(value)
  return names.length === 2 && names.includes('old') && names.includes('new')
}

/**
 * A copy of `details` in which the value of every member named like a secret is '[redacted]', at any depth; a
 * secret field's `{old, new}` change keeps its shape with both sides redacted.
 */
export function withoutSecrets(details: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(details, (name, value: unknown) => {
      if (name === '' || !SECRET_NAMES.test(name)) {
        return value
      }
      return isFieldChange(value)
        ? { old: redact(value.old), new: redact(value.new) }
        : redact(value)
    }),
  )
}

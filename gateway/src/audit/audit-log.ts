import { type Kysely, sql } from 'kysely'
import type { Tables } from '../db/tables.js'

/** Who made a change: a user through a session or one of their keys, or nobody (start-up, the CLI). */
export interface AuditActor {
  readonly userId: number | null
  readonly keyId: number | null
}

export const SYSTEM_ACTOR: AuditActor = { userId: null, keyId: null }

export type AuditTargetType = 'api_key' | 'user' | 'model' | 'login' | 'settings'

export interface AuditEntry {
  readonly actor: AuditActor
  /** `<target>.<verb>`, e.g. `api_key.create`, `user.password_changed`. */
  readonly action: string
  readonly target: { readonly type: AuditTargetType; readonly id: number | string }
  /**
   * What changed, for a human reading the trail: names, ids, flags and field names. Never a key value or hash, a
   * password or its hash, a session token or an instance credential (values of fields that may hold one are left
   * out by the callers; `withoutSecrets` is the safety net).
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

/** A copy of `details` in which the value of every member named like a secret is '[redacted]', at any depth. */
export function withoutSecrets(details: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(details, (name, value: unknown) =>
      name !== '' && SECRET_NAMES.test(name) && value !== null && typeof value !== 'boolean'
        ? '[redacted]'
        : value,
    ),
  )
}

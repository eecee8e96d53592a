import type { Kysely } from 'kysely'
import type { Tables } from '../db/tables.js'

/** Who made a change: a user through a session or one of their keys, or nobody (the CLI). */
export interface KeyActor {
  readonly userId: number | null
  readonly keyId: number | null
}

export type KeyAuditAction = 'api_key.create' | 'api_key.update' | 'api_key.delete'

/**
 * Writes one audit row for a key change, in the caller's transaction. `details` must never hold a key value or hash:
 * callers pass names, ids and the changed policy fields only.
 */
export async function recordKeyAudit(
  db: Kysely<Tables>,
  actor: KeyActor,
  action: KeyAuditAction,
  keyId: number,
  details: Record<string, unknown>,
): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      actor_user_id: actor.userId,
      actor_key_id: actor.keyId,
      action,
      target_type: 'api_key',
      target_id: String(keyId),
      details: JSON.stringify(details),
    })
    .execute()
}

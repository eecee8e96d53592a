import type { Kysely } from 'kysely'
import type { Tables } from '../db/tables.js'

export interface AuditActor {
  userId: number | null
  keyId: number | null
}

export const SYSTEM_ACTOR: AuditActor = { userId: null, keyId: null }

/** Writes one audit_events row about a user. `details` names what changed, never a password or hash. */
export async function auditUserEvent(
  db: Kysely<Tables>,
  actor: AuditActor,
  action: string,
  userId: number,
  details: Record<string, unknown> = {},
): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      actor_user_id: actor.userId,
      actor_key_id: actor.keyId,
      action,
      target_type: 'user',
      target_id: String(userId),
      details: JSON.stringify(details),
    })
    .execute()
}

import type { Kysely } from 'kysely'
import type { Tables } from '../db/tables.js'

export interface ModelAudit {
  actorUserId: number | null
  actorKeyId: number | null
  action: 'model.create' | 'model.update' | 'model.delete'
  modelId: number
  /** Never secrets: no instance api_key ever goes here. */
  details: Record<string, unknown>
}

export async function insertModelAudit(db: Kysely<Tables>, audit: ModelAudit): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      actor_user_id: audit.actorUserId,
      actor_key_id: audit.actorKeyId,
      action: audit.action,
      target_type: 'model',
      target_id: String(audit.modelId),
      details: JSON.stringify(audit.details),
    })
    .execute()
}

import { type Kysely, sql } from 'kysely'
import type { Tables } from '../db/tables.js'
import {
  type ActorKind,
  type AuditAction,
  currentActionName,
  storedNamesOf,
} from './audit-actions.js'

export interface AuditQuery {
  action?: AuditAction | undefined
  targetType?: string | undefined
  targetId?: string | undefined
  actorUserId?: number | undefined
  actorKind?: ActorKind | undefined
  /** Inclusive lower bound on `at`. */
  from?: Date | undefined
  /** Exclusive upper bound on `at`. */
  to?: Date | undefined
  limit: number
  offset: number
}

export interface AuditEventRecord {
  id: number
  at: Date
  actor_kind: ActorKind
  actor_user_id: number | null
  actor_username: string | null
  actor_key_id: number | null
  action: string
  target_type: string
  target_id: string | null
  details: Record<string, unknown>
}

/**
 * The actor's kind; a row a previous release wrote during a rolling upgrade has none and is classified the way
 * migration 0006 classified the rows before it.
 */
const actorKind = sql<ActorKind>`coalesce(a.actor_kind, case
  when a.actor_user_id is not null then 'user'
  when a.action in ('api_key.create', 'login.unlock', 'user.reset_admin_password', 'user.admin_password_reset')
    then 'cli'
  else 'system' end)`

/** One page of audit events, newest first (the id breaks ties so pages never overlap), and the total that match. */
export async function listAuditEvents(
  db: Kysely<Tables>,
  q: AuditQuery,
): Promise<{ rows: AuditEventRecord[]; total: number }> {
  let filtered = db
    .selectFrom('audit_events as a')
    .leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .select([
      'a.id',
      'a.at',
      actorKind.as('actor_kind'),
      'a.actor_user_id',
      'u.username as actor_username',
      'a.actor_key_id',
      'a.action',
      'a.target_type',
      'a.target_id',
      'a.details',
    ])
  if (q.action !== undefined) {
    filtered = filtered.where('a.action', 'in', storedNamesOf(q.action))
  }
  if (q.targetType !== undefined) {
    filtered = filtered.where('a.target_type', '=', q.targetType)
  }
  if (q.targetId !== undefined) {
    filtered = filtered.where('a.target_id', '=', q.targetId)
  }
  if (q.actorUserId !== undefined) {
    filtered = filtered.where('a.actor_user_id', '=', q.actorUserId)
  }
  if (q.actorKind !== undefined) {
    filtered = filtered.where(actorKind, '=', q.actorKind)
  }
  if (q.from !== undefined) {
    filtered = filtered.where('a.at', '>=', q.from)
  }
  if (q.to !== undefined) {
    filtered = filtered.where('a.at', '<', q.to)
  }
  const rows = await filtered
    .orderBy('a.at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute()
  const count = await filtered
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow()
  return {
    rows: rows.map((r) => ({ ...r, action: currentActionName(r.action) })),
    total: Number(count.total),
  }
}

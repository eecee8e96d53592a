import type { Hono } from 'hono'
import { z } from 'zod'
import {
  ACTOR_KINDS,
  type ActorKind,
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
} from '../../audit/audit-actions.js'
import { type AuditEventRecord, listAuditEvents } from '../../audit/audit-repository.js'
import type { Deps } from '../../deps.js'
import type { AppEnv } from '../../http/app-env.js'
import { type Page, toPage } from '../../http/page.js'
import { parseInput, readQuery } from '../../http/request-input.js'
import { requireAdmin } from '../../middleware/auth.js'

/** An audit event as /v2/audit-events returns it; `at` is ISO 8601 in UTC. */
export interface AuditEvent {
  id: number
  at: string
  /** 'user' (a session or one of the user's keys), 'cli' (the keygate command line) or 'system' (start-up). */
  actor_kind: ActorKind
  actor_user_id: number | null
  /** The acting user's current name; null for the CLI, the system, or a user deleted since. */
  actor_username: string | null
  actor_key_id: number | null
  action: string
  target_type: string
  target_id: string | null
  /** Names, ids and flags; an update's `changes: {field: {old, new}}`; never a secret or a hash. */
  details: Record<string, unknown>
}

export type AuditEventPage = Page<AuditEvent>

const DAY_MS = 24 * 3600 * 1000

const positiveInt = (max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))

/** A day (YYYY-MM-DD, UTC) or an instant with a time zone; `endOfDay` turns a day into the start of the next. */
const instant = (endOfDay: boolean) =>
  z
    .union([z.iso.date(), z.iso.datetime({ offset: true })], {
      error: 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a time zone',
    })
    .transform((v) => {
      const isDay = v.length === 10
      const ms = Date.parse(isDay ? `${v}T00:00:00Z` : v)
      // `to` is inclusive: a whole day when a day is given, the instant itself otherwise.
      return new Date(endOfDay ? ms + (isDay ? DAY_MS : 1) : ms)
    })

const text = z.string().trim().min(1).max(256)

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` })

export const auditQuery = z
  .object({
    page: positiveInt(1_000_000).default(1),
    perPage: positiveInt(1000).default(100),
    action: oneOf(AUDIT_ACTIONS).optional(),
    target_type: oneOf(AUDIT_TARGET_TYPES).optional(),
    target_id: text.optional(),
    actor_user_id: positiveInt(Number.MAX_SAFE_INTEGER).optional(),
    actor_kind: oneOf(ACTOR_KINDS).optional(),
    from: instant(false).optional(),
    to: instant(true).optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    path: ['to'],
    error: 'must not be before from',
  })

/** GET /v2/audit-events: the trail of key, user and model changes, newest first; administrators only. */
export function registerAuditEventRoutes(app: Hono<AppEnv>, deps: Deps): void {
  app.get('/v2/audit-events', requireAdmin(), async (c) => {
    const q = parseInput(auditQuery, readQuery(c))
    const { rows, total } = await listAuditEvents(deps.database.db, {
      action: q.action,
      targetType: q.target_type,
      targetId: q.target_id,
      actorUserId: q.actor_user_id,
      actorKind: q.actor_kind,
      from: q.from,
      to: q.to,
      limit: q.perPage,
      offset: (q.page - 1) * q.perPage,
    })
    const page: AuditEventPage = toPage(rows.map(toAuditEvent), q, total)
    return c.json(page)
  })
}

function toAuditEvent(r: AuditEventRecord): AuditEvent {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor_kind: r.actor_kind,
    actor_user_id: r.actor_user_id,
    actor_username: r.actor_username,
    actor_key_id: r.actor_key_id,
    action: r.action,
    target_type: r.target_type,
    target_id: r.target_id,
    details: r.details,
  }
}

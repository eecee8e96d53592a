import type { Hono } from 'hono'
import { z } from 'zod'
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
  actor_user_id: number | null
  /** The acting user's current name; null for the system (start-up, CLI) or a user deleted since. */
  actor_username: string | null
  actor_key_id: number | null
  action: string
  target_type: string
  target_id: string | null
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

export const auditQuery = z.object({
  page: positiveInt(1_000_000).default(1),
  perPage: positiveInt(1000).default(100),
  action: text.optional(),
  target_type: text.optional(),
  target_id: text.optional(),
  actor_user_id: positiveInt(Number.MAX_SAFE_INTEGER).optional(),
  from: instant(false).optional(),
  to: instant(true).optional(),
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
    actor_user_id: r.actor_user_id,
    actor_username: r.actor_username,
    actor_key_id: r.actor_key_id,
    action: r.action,
    target_type: r.target_type,
    target_id: r.target_id,
    details: r.details,
  }
}

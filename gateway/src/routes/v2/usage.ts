import type { Hono } from 'hono'
import { z } from 'zod'
import { ownerFilter } from '../../auth/owner-filter.js'
import type { Deps } from '../../deps.js'
import type { AppEnv } from '../../http/app-env.js'
import { GatewayError } from '../../http/gateway-error.js'
import { parseInput, readQuery } from '../../http/request-input.js'
import { readCurrency } from '../../usage/currency.js'
import { usageCsv } from '../../usage/usage-csv.js'
import { SORTABLE_FIELDS, sortUsage, usageFields } from '../../usage/usage-fields.js'
import {
  readUsageReport,
  USAGE_DIMENSIONS,
  type UsageDimension,
  type UsageItem,
} from '../../usage/usage-report.js'

export type { UsageItem } from '../../usage/usage-report.js'

export interface UsageReport {
  items: UsageItem[]
  /** The inclusive UTC days reported on, YYYY-MM-DD. */
  from: string
  to: string
  /** The installation's currency, which `cost` is in. */
  currency: string
}

const DAY_MS = 24 * 3600 * 1000
const DEFAULT_DAYS = 30
const MAX_DAYS = 366

const positiveInt = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a positive integer')
  .transform(Number)
  .pipe(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER))

export const usageQuery = z.object({
  group_by: z
    .string()
    .default('api_key')
    .transform((v) => [...new Set(v.split(',').map((d) => d.trim()))])
    .refine((dims) => dims.every(isDimension), {
      error: `must be ${USAGE_DIMENSIONS.join(', ')} or a comma-separated list of them`,
    })
    .transform((dims) => dims.filter(isDimension)),
  from: z.iso.date({ error: 'must be a date (YYYY-MM-DD)' }).optional(),
  to: z.iso.date({ error: 'must be a date (YYYY-MM-DD)' }).optional(),
  user_id: z
    .union([z.literal(''), z.literal('*'), positiveInt])
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  api_key_id: positiveInt.optional(),
  model: z.string().trim().min(1).max(256).optional(),
  /** csv: the same lines as text/csv (usage/usage-csv.ts). */
  format: z.enum(['json', 'csv']).default('json'),
  /** A field of the lines, `-field` for descending; default: day, key, model order. */
  sort_by: z.enum([...SORTABLE_FIELDS, ...SORTABLE_FIELDS.map((f) => `-${f}` as const)]).optional(),
})

function isDimension(d: string): d is UsageDimension {
  return (USAGE_DIMENSIONS as readonly string[]).includes(d)
}

/**
 * GET /v2/usage: requests and tokens per key, model and/or UTC day. A user sees their own keys; an
 * admin their own by default, everyone's with `user_id=*`, one user's with `user_id=N` (as /v2/api-keys).
 */
export function registerUsageRoutes(app: Hono<AppEnv>, deps: Deps): void {
  app.get('/v2/usage', async (c) => {
    const q = parseInput(usageQuery, readQuery(c))
    const { from, to } = dayRange(q.from, q.to, deps.clock.now())
    const ownerId = ownerFilter(c.get('principal'), q.user_id, 'usage')
    try {
      // This replica's recent requests first, so a caller sees the calls they just made.
      await deps.usage.flush()
    } catch (err) {
      c.get('log').warn({ err }, 'usage flush before report failed')
    }
    const grouped = await readUsageReport(deps.database.db, {
      groupBy: q.group_by,
      from,
      to,
      ownerId,
      apiKeyId: q.api_key_id,
      model: q.model,
    })
    const items = q.sort_by === undefined ? grouped : sortUsage(grouped, q.sort_by)
    if (q.format === 'csv') {
      return c.body(usageCsv(items, usageFields(q.group_by)), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="usage-${from}-${to}.csv"`,
      })
    }
    const currency = await readCurrency(deps.database.db)
    const report: UsageReport = { items, from, to, currency }
    return c.json(report)
  })
}

/** Defaults: the last 30 days up to today (UTC); at most 366 days, and `from` not after `to`. */
function dayRange(from: string | undefined, to: string | undefined, nowMs: number) {
  const last = to ?? isoDay(nowMs)
  const first = from ?? isoDay(Date.parse(`${last}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS)
  const days = (Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / DAY_MS + 1
  if (days < 1) {
    throw new GatewayError('validation_error', {
      message: 'from must not be after to.',
      param: 'from',
    })
  }
  if (days > MAX_DAYS) {
    throw new GatewayError('validation_error', {
      message: `The range may span at most ${MAX_DAYS} days.`,
      param: 'from',
    })
  }
  return { from: first, to: last }
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

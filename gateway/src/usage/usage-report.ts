import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Tables } from '../db/tables.js'
import { COST_SUM, PRICE_JOIN } from './usage-cost.js'

export const USAGE_DIMENSIONS = ['api_key', 'model', 'day'] as const
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number]

export interface UsageReportQuery {
  groupBy: readonly UsageDimension[]
  /** Inclusive UTC days, YYYY-MM-DD. */
  from: string
  to: string
  /** Only keys of this user; null = every user's. */
  ownerId: number | null
  apiKeyId?: number | undefined
  model?: string | undefined
}

/** One line of /v2/usage: the dimensions asked for, then the sums. */
export interface UsageItem {
  api_key_id?: number
  api_key_name?: string
  user_id?: number
  model?: string
  day?: string
  requests: number
  prompt_tokens: number
  completion_tokens: number
  errors: number
  /** In the installation's currency (usage/usage-cost.ts); null where no row of the line is priced. */
  cost: number | null
}

interface Column {
  select: RawBuilder<unknown>
  group: RawBuilder<unknown>
}

const COLUMNS: Record<UsageDimension, Column[]> = {
  api_key: [
    { select: sql`u.api_key_id`, group: sql`u.api_key_id` },
    { select: sql`k.name as api_key_name`, group: sql`k.name` },
    { select: sql`k.user_id`, group: sql`k.user_id` },
  ],
  model: [{ select: sql`u.model`, group: sql`u.model` }],
  // A date column comes back as a Date from both drivers; the text form keeps it a plain UTC day.
  day: [{ select: sql`to_char(u.day, 'YYYY-MM-DD') as day`, group: sql`u.day` }],
}

/** Sums of usage_daily over [from, to], grouped by the dimensions asked for (in day, key, model order). */
export async function readUsageReport(
  db: Kysely<Tables>,
  q: UsageReportQuery,
): Promise<UsageItem[]> {
  const ordered = (['day', 'api_key', 'model'] as const).filter((d) => q.groupBy.includes(d))
  const columns = ordered.flatMap((d) => COLUMNS[d])
  const filters = [sql`u.day >= ${q.from}::date`, sql`u.day <= ${q.to}::date`]
  if (q.ownerId !== null) {
    filters.push(sql`k.user_id = ${q.ownerId}`)
  }
  if (q.apiKeyId !== undefined) {
    filters.push(sql`u.api_key_id = ${q.apiKeyId}`)
  }
  if (q.model !== undefined) {
    filters.push(sql`u.model = ${q.model}`)
  }
  const groups = columns.map((c) => c.group)
  const result = await sql<Record<string, unknown>>`
    select ${sql.join([...columns.map((c) => c.select), SUMS])}
    from usage_daily u join api_keys k on k.id = u.api_key_id
    ${PRICE_JOIN}
    where ${sql.join(filters, sql` and `)}
    ${groups.length > 0 ? sql`group by ${sql.join(groups)} order by ${sql.join(groups)}` : sql``}
  `.execute(db)
  return result.rows.map(toUsageItem)
}

// sum(bigint) is numeric; the cast brings it back to int8, which both drivers parse as a number.
const SUMS = sql.join([
  sql`coalesce(sum(u.requests), 0)::bigint as requests`,
  sql`coalesce(sum(u.prompt_tokens), 0)::bigint as prompt_tokens`,
  sql`coalesce(sum(u.completion_tokens), 0)::bigint as completion_tokens`,
  sql`coalesce(sum(u.errors), 0)::bigint as errors`,
  COST_SUM,
])

function toUsageItem(r: Record<string, unknown>): UsageItem {
  // The dimension fields first, so a reader sees what a line is about before its numbers.
  const item: Partial<UsageItem> = {}
  if ('day' in r) {
    item.day = String(r.day)
  }
  if ('api_key_id' in r) {
    item.api_key_id = Number(r.api_key_id)
    item.api_key_name = String(r.api_key_name)
    item.user_id = Number(r.user_id)
  }
  if ('model' in r) {
    item.model = String(r.model)
  }
  return {
    ...item,
    requests: Number(r.requests),
    prompt_tokens: Number(r.prompt_tokens),
    completion_tokens: Number(r.completion_tokens),
    errors: Number(r.errors),
    cost: r.cost === null || r.cost === undefined ? null : Number(r.cost),
  }
}

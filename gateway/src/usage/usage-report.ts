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
  /** The key's name, and its owner's id and username; as they were when it was deleted, for a deleted key. */
  api_key_name?: string | null
  user_id?: number | null
  username?: string | null
  /** True when the key (or its owner) has been deleted since: its usage stays. */
  api_key_deleted?: boolean
  model?: string
  day?: string
  requests: number
  prompt_tokens: number
  completion_tokens: number
  errors: number
  /** Refused by a key's or user's limit (429) before any engine saw them; not in `requests`. */
  refused: number
  /** In the installation's currency (usage/usage-cost.ts); null where no row of the line is priced. */
  cost: number | null
}

interface Column {
  select: RawBuilder<unknown>
  group: RawBuilder<unknown>
}

function derived(expression: RawBuilder<unknown>, name: string): Column {
  return { select: sql`${expression} as ${sql.ref(name)}`, group: expression }
}

const COLUMNS: Record<UsageDimension, Column[]> = {
  api_key: [
    { select: sql`u.api_key_id`, group: sql`u.api_key_id` },
    // A live key's current name and owner; a deleted key's snapshots (usage/usage-snapshot.ts).
    derived(sql`coalesce(k.name, u.api_key_name)`, 'api_key_name'),
    derived(sql`coalesce(k.user_id, u.user_id)`, 'user_id'),
    derived(sql`coalesce(o.username, u.username)`, 'username'),
    derived(sql`(k.id is null)`, 'api_key_deleted'),
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
    filters.push(sql`coalesce(k.user_id, u.user_id) = ${q.ownerId}`)
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
    from usage_daily u
      left join api_keys k on k.id = u.api_key_id
      left join users o on o.id = coalesce(k.user_id, u.user_id)
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
  sql`coalesce(sum(u.refused), 0)::bigint as refused`,
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
    item.api_key_name = r.api_key_name == null ? null : String(r.api_key_name)
    item.user_id = r.user_id == null ? null : Number(r.user_id)
    item.username = r.username == null ? null : String(r.username)
    item.api_key_deleted = r.api_key_deleted === true
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
    refused: Number(r.refused),
    cost: r.cost === null || r.cost === undefined ? null : Number(r.cost),
  }
}

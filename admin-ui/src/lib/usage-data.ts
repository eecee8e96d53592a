import type { UsageItem } from '../api-types.js'

/** The Usage page's arithmetic, free of the DOM: ranges of UTC days, and the series its charts draw. */

export type RangePreset = '24h' | '7d' | '30d' | 'custom'

export const RANGE_LABELS: Record<RangePreset, string> = {
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  custom: 'Custom (UTC days)',
}

const DAY_MS = 24 * 3600 * 1000

export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/**
 * The UTC days a preset covers, ending today: usage is kept per UTC day, so "last 24 hours" is yesterday and today
 * (the days the last 24 hours touch), 7 days is today and the 6 before it.
 */
export function presetRange(preset: Exclude<RangePreset, 'custom'>, nowMs: number) {
  const days = preset === '24h' ? 2 : preset === '7d' ? 7 : 30
  return { from: isoDay(nowMs - (days - 1) * DAY_MS), to: isoDay(nowMs) }
}

/** Every day from `from` to `to`, inclusive (YYYY-MM-DD, UTC). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = []
  const last = Date.parse(`${to}T00:00:00Z`)
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= last && out.length < 400; t += DAY_MS) {
    out.push(isoDay(t))
  }
  return out
}

export const tokensOf = (i: Pick<UsageItem, 'prompt_tokens' | 'completion_tokens'>) =>
  i.prompt_tokens + i.completion_tokens

export interface Series {
  label: string
  data: number[]
}

/** One value per day per model, zero where a model had no usage that day; models sorted by name. */
export function perDayByModel(
  items: readonly UsageItem[],
  days: readonly string[],
  value: (i: UsageItem) => number,
): Series[] {
  const index = new Map(days.map((d, n) => [d, n]))
  const byModel = new Map<string, number[]>()
  for (const item of items) {
    const n = index.get(item.day ?? '')
    if (n === undefined || item.model === undefined) {
      continue
    }
    const data = byModel.get(item.model) ?? days.map(() => 0)
    data[n] = (data[n] ?? 0) + value(item)
    byModel.set(item.model, data)
  }
  return [...byModel.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, data]) => ({ label, data }))
}

/** Per day over every line (requests, errors, …). */
export function perDay(
  items: readonly UsageItem[],
  days: readonly string[],
  value: (i: UsageItem) => number,
): number[] {
  const index = new Map(days.map((d, n) => [d, n]))
  const data = days.map(() => 0)
  for (const item of items) {
    const n = index.get(item.day ?? '')
    if (n !== undefined) {
      data[n] = (data[n] ?? 0) + value(item)
    }
  }
  return data
}

export interface Ranked {
  label: string
  value: number
}

/** The `limit` largest totals of `value` per group, largest first, ties by label. */
export function top(
  items: readonly UsageItem[],
  groupOf: (i: UsageItem) => string | null | undefined,
  value: (i: UsageItem) => number,
  limit: number,
): Ranked[] {
  const sums = new Map<string, number>()
  for (const item of items) {
    const group = groupOf(item)
    if (group !== undefined && group !== null) {
      sums.set(group, (sums.get(group) ?? 0) + value(item))
    }
  }
  return [...sums.entries()]
    .map(([label, v]) => ({ label, value: v }))
    .sort((a, b) => b.value - a.value || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
    .slice(0, limit)
}

export interface Totals {
  requests: number
  tokens: number
  errors: number
  /** null when no line is priced. */
  cost: number | null
}

export function totalsOf(items: readonly UsageItem[]): Totals {
  let cost: number | null = null
  let requests = 0
  let tokens = 0
  let errors = 0
  for (const item of items) {
    requests += item.requests
    tokens += tokensOf(item)
    errors += item.errors
    if (item.cost !== null) {
      cost = (cost ?? 0) + item.cost
    }
  }
  return { requests, tokens, errors, cost: cost === null ? null : Math.round(cost * 1e6) / 1e6 }
}

export interface UsageFilters {
  from: string
  to: string
  /** Admins: '*' (everyone), a user id, or '' (their own); others: always ''. */
  userId: string
  apiKeyId: string
  model: string
}

/** The /v2/usage query for these filters; the table, the charts and the CSV download all use it. */
export function usageQuery(f: UsageFilters, groupBy: string, extra: Record<string, string> = {}) {
  const params = new URLSearchParams({ group_by: groupBy, from: f.from, to: f.to })
  if (f.userId !== '') {
    params.set('user_id', f.userId)
  }
  if (f.apiKeyId !== '') {
    params.set('api_key_id', f.apiKeyId)
  }
  if (f.model !== '') {
    params.set('model', f.model)
  }
  for (const [k, v] of Object.entries(extra)) {
    params.set(k, v)
  }
  return `/v2/usage?${params.toString()}`
}

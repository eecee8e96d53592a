import type { UsageDimension, UsageItem } from './usage-report.js'

/** The fields of a /v2/usage line, in the order the JSON and the CSV show them. */
const DIMENSION_FIELDS: Record<UsageDimension, readonly (keyof UsageItem)[]> = {
  day: ['day'],
  api_key: ['api_key_id', 'api_key_name', 'user_id', 'username', 'api_key_deleted'],
  model: ['model'],
}
const METRIC_FIELDS: readonly (keyof UsageItem)[] = [
  'requests',
  'prompt_tokens',
  'completion_tokens',
  'errors',
  'refused',
  'cost',
]

export const SORTABLE_FIELDS = [
  ...DIMENSION_FIELDS.day,
  ...DIMENSION_FIELDS.api_key,
  ...DIMENSION_FIELDS.model,
  ...METRIC_FIELDS,
] as const

/** The columns of a report grouped by these dimensions (what an empty CSV's header names). */
export function usageFields(groupBy: readonly UsageDimension[]): string[] {
  const ordered = (['day', 'api_key', 'model'] as const).filter((d) => groupBy.includes(d))
  return [...ordered.flatMap((d) => DIMENSION_FIELDS[d]), ...METRIC_FIELDS]
}

/**
 * `field` ascending, `-field` descending; nulls (a cost without price) last either way; ties keep the report's
 * order (day, key, model), so the same query always lists the same lines in the same order.
 */
export function sortUsage(items: readonly UsageItem[], sortBy: string): UsageItem[] {
  const descending = sortBy.startsWith('-')
  const field = (descending ? sortBy.slice(1) : sortBy) as keyof UsageItem
  const sign = descending ? -1 : 1
  return [...items].sort((a, b) => {
    const va = a[field]
    const vb = b[field]
    if (va === vb) {
      return 0
    }
    if (va === null || va === undefined) {
      return 1
    }
    if (vb === null || vb === undefined) {
      return -1
    }
    return va < vb ? -sign : sign
  })
}

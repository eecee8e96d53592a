import type { BudgetPeriod } from './limit-policy.js'

const DAY_MS = 86_400_000

/** One calendar period (UTC): `id` names its counter, `endMs` is when the next one starts. */
export interface PeriodSpan {
  readonly id: string
  readonly startMs: number
  readonly endMs: number
}

/**
 * The UTC calendar period that contains `nowMs`: day, ISO week (Monday to Sunday) or month. The epoch day
 * 1970-01-01 was a Thursday, so Monday-based weeks start three days after a multiple of seven days.
 */
export function periodAt(period: BudgetPeriod, nowMs: number): PeriodSpan {
  const day = Math.floor(nowMs / DAY_MS)
  if (period === 'day') {
    return { id: `d${day}`, startMs: day * DAY_MS, endMs: (day + 1) * DAY_MS }
  }
  if (period === 'week') {
    const week = Math.floor((day + 3) / 7)
    return {
      id: `w${week}`,
      startMs: (week * 7 - 3) * DAY_MS,
      endMs: ((week + 1) * 7 - 3) * DAY_MS,
    }
  }
  const date = new Date(nowMs)
  const year = date.getUTCFullYear()
  const month = date.getUTCMonth()
  return {
    id: `m${year * 12 + month}`,
    startMs: Date.UTC(year, month, 1),
    endMs: Date.UTC(year, month + 1, 1),
  }
}

/**
 * periodAt with the last answer per kind kept until its period ends, so the request path builds no Date and no
 * string while a period lasts.
 */
export class PeriodCache {
  readonly #last: Partial<Record<BudgetPeriod, PeriodSpan>> = {}

  at(period: BudgetPeriod, nowMs: number): PeriodSpan {
    const last = this.#last[period]
    if (last !== undefined && nowMs < last.endMs && nowMs >= last.startMs) {
      return last
    }
    const span = periodAt(period, nowMs)
    this.#last[period] = span
    return span
  }
}

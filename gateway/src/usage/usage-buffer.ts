/** One aggregate row of usage_daily, still in memory. */
export interface UsageRow {
  readonly keyId: number
  readonly model: string
  /** UTC day, YYYY-MM-DD. */
  readonly day: string
  requests: number
  promptTokens: number
  completionTokens: number
  errors: number
  /** Refused by a limit; these are not in `requests`. */
  refused: number
  /** Epoch ms of the latest request counted here (for api_keys.last_used_at). */
  lastUsedMs: number
}

export interface UsageSample {
  readonly keyId: number
  readonly model: string
  readonly promptTokens: number
  readonly completionTokens: number
  readonly isError: boolean
  readonly isRefused?: boolean
  readonly atMs: number
}

const DAY_MS = 86_400_000

/**
 * Usage aggregated by (key, model, UTC day), bounded by `maxRows` aggregate rows: a sample that would need a new
 * row beyond the bound is dropped (and reported by `add`), so a long database outage costs bounded memory. Samples
 * for a row already held are always counted, so below the bound nothing is lost.
 */
export class UsageBuffer {
  readonly #maxRows: number
  #rows = new Map<string, UsageRow>()
  /** The UTC day last formatted, and where it starts (epoch ms). */
  #day = ''
  #dayStartMs = Number.NaN

  constructor(maxRows: number) {
    if (!Number.isInteger(maxRows) || maxRows < 1) {
      throw new Error(`maxRows must be a positive integer, got ${maxRows}`)
    }
    this.#maxRows = maxRows
  }

  get size(): number {
    return this.#rows.size
  }

  /** Counts one request; false when it was dropped because the buffer is full. */
  add(s: UsageSample): boolean {
    const day = this.#dayOf(s.atMs)
    return this.#merge({
      keyId: s.keyId,
      model: s.model,
      day,
      requests: s.isRefused === true ? 0 : 1,
      promptTokens: s.promptTokens,
      completionTokens: s.completionTokens,
      errors: s.isError ? 1 : 0,
      refused: s.isRefused === true ? 1 : 0,
      lastUsedMs: s.atMs,
    })
  }

  /** Empties the buffer and returns what it held (to be written). */
  take(): UsageRow[] {
    const rows = [...this.#rows.values()]
    this.#rows = new Map()
    return rows
  }

  /**
   * Puts back rows whose write failed, merged with what arrived meanwhile; returns how many requests were dropped
   * because their rows no longer fit.
   */
  restore(rows: readonly UsageRow[]): number {
    let droppedRequests = 0
    for (const r of rows) {
      if (!this.#merge({ ...r })) {
        droppedRequests += r.requests
      }
    }
    return droppedRequests
  }

  /** The UTC day of `atMs`, formatted once per day rather than once per request (it runs on every request). */
  #dayOf(atMs: number): string {
    if (!(atMs >= this.#dayStartMs && atMs < this.#dayStartMs + DAY_MS)) {
      this.#dayStartMs = atMs - (((atMs % DAY_MS) + DAY_MS) % DAY_MS)
      this.#day = new Date(this.#dayStartMs).toISOString().slice(0, 10)
    }
    return this.#day
  }

  #merge(row: UsageRow): boolean {
    const id = `${row.keyId}|${row.day}|${row.model}`
    const held = this.#rows.get(id)
    if (held !== undefined) {
      held.requests += row.requests
      held.promptTokens += row.promptTokens
      held.completionTokens += row.completionTokens
      held.errors += row.errors
      held.refused += row.refused
      held.lastUsedMs = Math.max(held.lastUsedMs, row.lastUsedMs)
      return true
    }
    if (this.#rows.size >= this.#maxRows) {
      return false
    }
    this.#rows.set(id, row)
    return true
  }
}

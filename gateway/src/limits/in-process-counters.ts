import type { LimitSubject } from './limit-policy.js'
import { type LimitTicket, settlementDelta } from './limit-store.js'
import type { SlidingWindow } from './sliding-window.js'

/** One subject's counters; windows exist only for the limits its policy has set. */
export interface Counters {
  requests: SlidingWindow | undefined
  tokens: SlidingWindow | undefined
  budgetId: string
  budgetEndMs: number
  budgetUsed: number
  inflight: number
}

export function emptyCounters(): Counters {
  return {
    requests: undefined,
    tokens: undefined,
    budgetId: '',
    budgetEndMs: 0,
    budgetUsed: 0,
    inflight: 0,
  }
}

export interface CountersSettler {
  settle(
    subjects: readonly LimitSubject[],
    counters: readonly Counters[],
    budgetIds: readonly string[],
    reservedBucket: number,
    delta: number,
  ): void
}

/** An admitted request's hold on in-process counters; settles once. */
export class InProcessTicket implements LimitTicket {
  readonly #store: CountersSettler
  readonly #subjects: readonly LimitSubject[]
  readonly #counters: readonly Counters[]
  readonly #budgetIds: readonly string[]
  readonly #bucket: number
  readonly #reserved: number
  #settled = false

  constructor(
    store: CountersSettler,
    subjects: readonly LimitSubject[],
    counters: readonly Counters[],
    budgetIds: readonly string[],
    bucket: number,
    reserved: number,
  ) {
    this.#store = store
    this.#subjects = subjects
    this.#counters = counters
    this.#budgetIds = budgetIds
    this.#bucket = bucket
    this.#reserved = reserved
  }

  settle(actualTokens?: number): void {
    if (this.#settled) {
      return
    }
    this.#settled = true
    const delta = settlementDelta(actualTokens, this.#reserved)
    this.#store.settle(this.#subjects, this.#counters, this.#budgetIds, this.#bucket, delta)
  }
}

import type { Clock } from '../clock.js'
import { PeriodCache } from './budget-period.js'
import {
  type Counters,
  type CountersSettler,
  emptyCounters,
  InProcessTicket,
} from './in-process-counters.js'
import type { LimitPolicy, LimitSubject } from './limit-policy.js'
import type {
  LimitReason,
  LimitStore,
  StoreAdmission,
  StoreAdmitRequest,
  SubjectUsage,
} from './limit-store.js'
import { bucketExpiresAtMs, SlidingWindow, SUB_WINDOWS } from './sliding-window.js'

export interface InProcessLimitStoreOptions {
  readonly clock: Clock
  /** The sliding window's length; one minute except in tests that scale time down. */
  readonly windowMs?: number
}

interface Refusal {
  readonly reason: LimitReason
  readonly retryAfterMs: number | undefined
}

/** Counters in this process's memory: exact for a single replica, lost on restart. */
export class InProcessLimitStore implements LimitStore, CountersSettler {
  readonly #clock: Clock
  readonly #bucketMs: number
  readonly #counters = new Map<string, Counters>()
  readonly #periods = new PeriodCache()
  readonly #sweep: NodeJS.Timeout

  constructor(options: InProcessLimitStoreOptions) {
    this.#clock = options.clock
    const windowMs = options.windowMs ?? 60_000
    this.#bucketMs = windowMs / SUB_WINDOWS
    this.#sweep = setInterval(() => this.dropIdle(), windowMs)
    this.#sweep.unref()
  }

  /** Subjects with counters held (for tests and metrics). */
  get size(): number {
    return this.#counters.size
  }

  admit(request: StoreAdmitRequest): StoreAdmission {
    const { subjects, estimatedTokens: cost, nowMs } = request
    const bucket = Math.floor(nowMs / this.#bucketMs)
    const counters: Counters[] = []
    const usage: SubjectUsage[] = []
    let refusal: Refusal | undefined
    let refusedBy = -1
    for (let i = 0; i < subjects.length; i++) {
      const policy = (subjects[i] as LimitSubject).policy
      const c = this.#countersOf((subjects[i] as LimitSubject).storeKey)
      // A window appears when its limit does (a policy may gain one between two requests).
      if (policy.rpm !== null && c.requests === undefined) {
        c.requests = new SlidingWindow()
      }
      if (policy.tpm !== null && c.tokens === undefined) {
        c.tokens = new SlidingWindow()
      }
      const requests = policy.rpm === null ? 0 : (c.requests?.used(bucket) ?? 0)
      const tokens = policy.tpm === null ? 0 : (c.tokens?.used(bucket) ?? 0)
      counters.push(c)
      usage.push({ requests, tokens })
      if (refusal === undefined) {
        refusal = this.#check(policy, c, requests, tokens, cost, bucket, nowMs)
        refusedBy = i
      }
    }
    const resetMs = bucketExpiresAtMs(bucket, this.#bucketMs) - nowMs
    if (refusal !== undefined) {
      return { ok: false, ...refusal, subjectIndex: refusedBy, usage, resetMs }
    }
    const budgetIds: string[] = []
    for (let i = 0; i < subjects.length; i++) {
      const policy = (subjects[i] as LimitSubject).policy
      const c = counters[i] as Counters
      const before = usage[i] as SubjectUsage
      if (policy.rpm !== null) {
        c.requests?.add(bucket, 1)
      }
      if (policy.tpm !== null) {
        c.tokens?.add(bucket, cost)
      }
      if (policy.tokenBudget !== null) {
        c.budgetUsed += cost
      }
      if (policy.maxParallel !== null) {
        c.inflight += 1
      }
      budgetIds.push(c.budgetId)
      usage[i] = {
        requests: before.requests + (policy.rpm === null ? 0 : 1),
        tokens: before.tokens + (policy.tpm === null ? 0 : cost),
      }
    }
    const ticket = new InProcessTicket(this, subjects, counters, budgetIds, bucket, cost)
    return { ok: true, ticket, usage, resetMs }
  }

  /** The first limit of this subject the request would break, budget first (it lasts longest). */
  #check(
    policy: LimitPolicy,
    c: Counters,
    requests: number,
    tokens: number,
    cost: number,
    bucket: number,
    nowMs: number,
  ): Refusal | undefined {
    if (policy.tokenBudget !== null) {
      const period = this.#periods.at(policy.budgetPeriod, nowMs)
      if (c.budgetId !== period.id) {
        c.budgetId = period.id
        c.budgetEndMs = period.endMs
        c.budgetUsed = 0
      }
      if (c.budgetUsed + Math.min(cost, policy.tokenBudget) > policy.tokenBudget) {
        return { reason: 'budget', retryAfterMs: period.endMs - nowMs }
      }
    }
    if (policy.rpm !== null && requests + 1 > policy.rpm) {
      const ms = c.requests?.msUntilFreed(requests + 1 - policy.rpm, bucket, this.#bucketMs, nowMs)
      return { reason: 'rpm', retryAfterMs: ms }
    }
    // A request larger than the whole limit passes only into an empty window rather than never.
    if (policy.tpm !== null && tokens + Math.min(cost, policy.tpm) > policy.tpm) {
      const need = tokens + Math.min(cost, policy.tpm) - policy.tpm
      return {
        reason: 'tpm',
        retryAfterMs: c.tokens?.msUntilFreed(need, bucket, this.#bucketMs, nowMs),
      }
    }
    if (policy.maxParallel !== null && c.inflight >= policy.maxParallel) {
      return { reason: 'parallel', retryAfterMs: undefined }
    }
    return undefined
  }

  #countersOf(storeKey: string): Counters {
    let c = this.#counters.get(storeKey)
    if (c === undefined) {
      c = emptyCounters()
      this.#counters.set(storeKey, c)
    }
    return c
  }

  /** Called by a ticket: the reservation moves to what the request really used, and its lease ends. */
  settle(
    subjects: readonly LimitSubject[],
    counters: readonly Counters[],
    budgetIds: readonly string[],
    reservedBucket: number,
    delta: number,
  ): void {
    const bucket = Math.floor(this.#clock.now() / this.#bucketMs)
    for (let i = 0; i < subjects.length; i++) {
      const policy = (subjects[i] as LimitSubject).policy
      const c = counters[i] as Counters
      if (policy.maxParallel !== null && c.inflight > 0) {
        c.inflight -= 1
      }
      if (delta !== 0 && policy.tpm !== null) {
        c.tokens?.adjust(reservedBucket, delta, bucket)
      }
      // Tokens reserved in a period that has ended no longer matter to any decision.
      if (delta !== 0 && policy.tokenBudget !== null && c.budgetId === budgetIds[i]) {
        c.budgetUsed = Math.max(0, c.budgetUsed + delta)
      }
    }
  }

  /** Forgets subjects with nothing counted; runs once per window, and tests call it. */
  dropIdle(): void {
    const now = this.#clock.now()
    const bucket = Math.floor(now / this.#bucketMs)
    for (const [key, c] of this.#counters) {
      const idle =
        c.inflight === 0 &&
        (c.requests === undefined || c.requests.isEmpty(bucket)) &&
        (c.tokens === undefined || c.tokens.isEmpty(bucket)) &&
        (c.budgetUsed === 0 || now >= c.budgetEndMs)
      if (idle) {
        this.#counters.delete(key)
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep)
  }
}

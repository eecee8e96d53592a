import type { Clock } from '../clock.js'
import { type LimitMetrics, REASON_LABELS } from './limit-metrics.js'
import type { LimitSubject, SubjectKind } from './limit-policy.js'
import {
  type LimitReason,
  type LimitStore,
  type LimitTicket,
  NO_TICKET,
  type ReportStoreError,
  type StoreAdmission,
} from './limit-store.js'
import { buildRateLimitHeaders, NO_HEADERS, type RateLimitHeaders } from './rate-limit-headers.js'

/** `unavailable`: the store failed and KEYGATE_LIMITS_ON_STORE_ERROR is `closed`. */
export type RefusalReason = LimitReason | 'unavailable'

export interface AdmitInput {
  /** From buildLimitSubjects: key first, then its user. Empty means unlimited (better: do not call at all). */
  readonly subjects: readonly LimitSubject[]
  /** From estimateRequestTokens; reserved against tpm and the budget until the ticket is settled. */
  readonly estimatedTokens: number
  /** Defaults to the limiter's clock. */
  readonly now?: number
}

export type AdmitResult =
  | {
      readonly ok: true
      /** Settle exactly once when the answer ends, however it ends (idempotent). */
      readonly ticket: LimitTicket
      /** `x-ratelimit-*` for every answer of this request; empty when no minute limit is set. */
      readonly headers: RateLimitHeaders
      /** True when the store failed and the request was let through uncounted (fail open). */
      readonly degraded: boolean
    }
  | {
      readonly ok: false
      readonly reason: RefusalReason
      /** Whose limit refused it; undefined for `unavailable`. */
      readonly subject: SubjectKind | undefined
      /** Whole seconds (≥ 1) for `Retry-After`; undefined for `parallel`. */
      readonly retryAfterSeconds: number | undefined
      readonly headers: RateLimitHeaders
    }

export interface LimiterOptions {
  readonly store: LimitStore
  readonly metrics: LimitMetrics
  readonly reportError: ReportStoreError
  readonly onStoreError: 'open' | 'closed'
  readonly clock: Clock
}

const UNLIMITED: AdmitResult = Object.freeze({
  ok: true,
  ticket: NO_TICKET,
  headers: NO_HEADERS,
  degraded: false,
})
const FAILED_OPEN: AdmitResult = Object.freeze({
  ok: true,
  ticket: NO_TICKET,
  headers: NO_HEADERS,
  degraded: true,
})
const FAILED_CLOSED: AdmitResult = Object.freeze({
  ok: false,
  reason: 'unavailable',
  subject: undefined,
  retryAfterSeconds: 1,
  headers: NO_HEADERS,
})

/** After this many failures in a row the store is not asked for BREAK_MS: a hung Redis then costs no waits. */
const BREAK_AFTER_FAILURES = 3
const BREAK_MS = 1_000

/**
 * Decides whether a request may go to the engine under its key's and its user's limits. Refusals are counted in
 * `keygate_limited_total{reason}`. A store failure never becomes an error of the request: it is admitted uncounted
 * (open, the default) or refused with reason `unavailable` (closed), after at most the store's timeout.
 */
export class Limiter {
  readonly #store: LimitStore
  readonly #metrics: LimitMetrics
  readonly #reportError: ReportStoreError
  readonly #failOpen: boolean
  readonly #clock: Clock
  #failuresInARow = 0
  #skipStoreUntil = 0

  constructor(options: LimiterOptions) {
    this.#store = options.store
    this.#metrics = options.metrics
    this.#reportError = options.reportError
    this.#failOpen = options.onStoreError === 'open'
    this.#clock = options.clock
  }

  /** Synchronous with the in-process store; a promise (that never rejects) with Redis. */
  admit(input: AdmitInput): AdmitResult | Promise<AdmitResult> {
    const subjects = input.subjects
    if (subjects.length === 0) {
      return UNLIMITED
    }
    const nowMs = input.now ?? this.#clock.now()
    if (nowMs < this.#skipStoreUntil) {
      return this.#storeFailed()
    }
    // Counters are integers (Redis's HINCRBY refuses anything else).
    const estimate = input.estimatedTokens
    const estimatedTokens = Number.isFinite(estimate) && estimate > 0 ? Math.ceil(estimate) : 0
    let admission: StoreAdmission | Promise<StoreAdmission>
    try {
      admission = this.#store.admit({ subjects, estimatedTokens, nowMs })
    } catch (err) {
      return this.#failed(err)
    }
    if (admission instanceof Promise) {
      return admission.then(
        (a) => this.#decided(a, subjects),
        (err: unknown) => this.#failed(err),
      )
    }
    return this.#decided(admission, subjects)
  }

  #decided(a: StoreAdmission, subjects: readonly LimitSubject[]): AdmitResult {
    this.#failuresInARow = 0
    const headers = buildRateLimitHeaders(subjects, a.usage, a.resetMs)
    if (a.ok) {
      return { ok: true, ticket: a.ticket, headers, degraded: false }
    }
    this.#metrics.limited.inc(REASON_LABELS[a.reason])
    return {
      ok: false,
      reason: a.reason,
      subject: subjects[a.subjectIndex]?.kind,
      retryAfterSeconds:
        a.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(a.retryAfterMs / 1000)),
      headers,
    }
  }

  #failed(err: unknown): AdmitResult {
    this.#reportError('admit', err)
    this.#failuresInARow += 1
    if (this.#failuresInARow >= BREAK_AFTER_FAILURES) {
      this.#failuresInARow = 0
      this.#skipStoreUntil = this.#clock.now() + BREAK_MS
    }
    return this.#storeFailed()
  }

  #storeFailed(): AdmitResult {
    if (this.#failOpen) {
      return FAILED_OPEN
    }
    this.#metrics.limited.inc(REASON_LABELS.unavailable)
    return FAILED_CLOSED
  }

  /** Stops the store's timers and closes its connection; call once, after in-flight requests have ended. */
  close(): Promise<void> {
    return this.#store.close()
  }
}

import type { LimitSubject } from './limit-policy.js'

export type LimitReason = 'rpm' | 'tpm' | 'parallel' | 'budget'

/** What a subject's minute windows hold after the decision (before it, when refused). */
export interface SubjectUsage {
  readonly requests: number
  readonly tokens: number
}

export interface StoreAdmitRequest {
  /** Key first, then user; at least one, each with a policy. */
  readonly subjects: readonly LimitSubject[]
  readonly estimatedTokens: number
  /** The caller's clock: budget periods. Redis counts minute windows and leases on its own clock. */
  readonly nowMs: number
}

/** An admitted request's hold on its counters. */
export interface LimitTicket {
  /**
   * Call exactly once when the answer has ended, however it ended; later calls do nothing. Moves the token
   * reservation to `actualTokens` (prompt + completion as the engine reported them; undefined when it reported
   * nothing, which keeps the reservation) and releases the parallel lease. Never throws; store errors are reported.
   */
  settle(actualTokens?: number): void
}

export type StoreAdmission =
  | {
      readonly ok: true
      readonly ticket: LimitTicket
      readonly usage: readonly SubjectUsage[]
      /** Until everything counted in the minute windows now has left them. */
      readonly resetMs: number
    }
  | {
      readonly ok: false
      readonly reason: LimitReason
      /** Index into the request's subjects of the one that refused. */
      readonly subjectIndex: number
      /** Until a retry can pass this limit; undefined for `parallel`. */
      readonly retryAfterMs: number | undefined
      readonly usage: readonly SubjectUsage[]
      readonly resetMs: number
    }

/**
 * Where the counters live. An admission checks every subject and, only when all pass, counts the request against
 * all of them, as one atomic step: a refusal by one subject consumes nothing of another's.
 */
export interface LimitStore {
  /** In process: synchronous. Redis: a promise that rejects on a store failure (timeout, connection). */
  admit(request: StoreAdmitRequest): StoreAdmission | Promise<StoreAdmission>
  close(): Promise<void>
}

/** Store failures reported to metrics and the log; `op` is a bounded label. */
export type StoreErrorOp = 'admit' | 'settle' | 'renew' | 'connection'
export type ReportStoreError = (op: StoreErrorOp, err: unknown) => void

/** What a settlement moves the reservation by; unknown or nonsensical usage keeps the reservation. */
export function settlementDelta(actualTokens: number | undefined, reserved: number): number {
  return actualTokens === undefined || !Number.isFinite(actualTokens) || actualTokens < 0
    ? 0
    : Math.round(actualTokens) - reserved
}

/** The ticket of a request the store did not count (no limits, or the store failed open). */
export const NO_TICKET: LimitTicket = Object.freeze({ settle(): void {} })

import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import { type LimitMetrics, OP_LABELS } from './limit-metrics.js'
import type { ReportStoreError } from './limit-store.js'

export interface StoreErrorReporterOptions {
  readonly metrics: LimitMetrics
  readonly logger: Logger
  readonly clock: Clock
  readonly onStoreError: 'open' | 'closed'
  /** At most one log line per this many ms; the line says how many errors it stands for. */
  readonly logEveryMs?: number
}

/**
 * Counts every store failure and logs at most one line per interval: while Redis is away every request fails the
 * same way, and a line per request would flood the log. The message of the error only (a reconnect's stack says
 * nothing); the Redis URL, which may hold a password, is never part of it.
 */
export function createStoreErrorReporter(options: StoreErrorReporterOptions): ReportStoreError {
  const { metrics, logger, clock } = options
  const logEveryMs = options.logEveryMs ?? 10_000
  const effect =
    options.onStoreError === 'open'
      ? 'requests pass without limits until it answers'
      : 'limited requests are refused until it answers'
  let loggedAt = Number.NEGATIVE_INFINITY
  let unlogged = 0
  return function reportStoreError(op, err) {
    metrics.storeErrors.inc(OP_LABELS[op])
    const now = clock.now()
    if (now - loggedAt < logEveryMs) {
      unlogged += 1
      return
    }
    const message = err instanceof Error ? err.message : String(err)
    logger.warn(
      { op, error: message, errorsSinceLastLine: unlogged },
      `limit store failed (${op}); ${effect}`,
    )
    loggedAt = now
    unlogged = 0
  }
}

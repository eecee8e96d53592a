import type { Registry } from 'prom-client'
import { HotCounter } from '../observability/hot-metrics.js'
import type { StoreErrorOp } from './limit-store.js'
import type { RefusalReason } from './limiter.js'

export interface LimitMetrics {
  /** Requests refused by a limit, by reason (rpm, tpm, parallel, budget, unavailable). */
  readonly limited: HotCounter<'reason'>
  /** Failures of the counter store, by operation (admit, settle, renew, connection). */
  readonly storeErrors: HotCounter<'op'>
}

/** Registered into the gateway's registry; both counters sit on the request path, hence hot-metrics. */
export function createLimitMetrics(registry: Registry): LimitMetrics {
  return {
    limited: new HotCounter<'reason'>({
      name: 'keygate_limited_total',
      help: 'Requests refused by a rate limit, parallel limit or token budget, before reaching an engine',
      labelNames: ['reason'],
      registers: [registry],
    }),
    storeErrors: new HotCounter<'op'>({
      name: 'keygate_limits_store_errors_total',
      help: 'Failures (timeouts, lost connection) of the store holding the limit counters',
      labelNames: ['op'],
      registers: [registry],
    }),
  }
}

/** Label objects made once, so counting a refusal allocates nothing. */
export const REASON_LABELS: Readonly<Record<RefusalReason, { readonly reason: string }>> = {
  rpm: { reason: 'rpm' },
  tpm: { reason: 'tpm' },
  parallel: { reason: 'parallel' },
  budget: { reason: 'budget' },
  unavailable: { reason: 'unavailable' },
}

export const OP_LABELS: Readonly<Record<StoreErrorOp, { readonly op: string }>> = {
  admit: { op: 'admit' },
  settle: { op: 'settle' },
  renew: { op: 'renew' },
  connection: { op: 'connection' },
}

import type { Logger } from 'pino'
import type { Principal } from '../auth/principal.js'
import type { UsageRecorder } from '../usage/usage-recorder.js'
import type { Metrics } from './metrics.js'

/** Where a finished request is recorded: request metrics, the access line and, for inference with a key, usage. */
export interface AccessSinks {
  readonly metrics: Metrics
  readonly usage: UsageRecorder
  readonly logger: Logger
}

/** What is known about a request when it ends, whichever server path (Hono or the proxy's node:http) served it. */
export interface AccessEntry {
  readonly method: string
  /** A route pattern or 'other': a bounded metric label. */
  readonly route: string
  readonly requestId: string
  /** performance.now() when the request arrived. */
  readonly startedAt: number
  /** The model's metric label once a route resolved it, else ''. */
  readonly model: string
  readonly principal: Principal | undefined
}

export interface AccessDetails {
  status: number
  ttftMs?: number
  promptTokens?: number
  completionTokens?: number
  outcome?: string
}

/** Writes the request's one access line, its request metrics and its usage. */
export function recordAccess(sinks: AccessSinks, entry: AccessEntry, details: AccessDetails): void {
  const { metrics } = sinks
  const durationMs = performance.now() - entry.startedAt
  const { route, model, principal } = entry
  metrics.requests.inc({ route, model, status: String(details.status) })
  metrics.requestDuration.observe({ route, model }, durationMs / 1000)
  if (model !== '' && model !== 'other' && principal?.keyId != null) {
    sinks.usage.record({
      keyId: principal.keyId,
      model,
      promptTokens: details.promptTokens ?? 0,
      completionTokens: details.completionTokens ?? 0,
      isError: details.status >= 400,
    })
  }
  const log = sinks.logger
  if (!log.isLevelEnabled('info')) {
    return // the line's object is not even built (LOG_LEVEL=warn in production)
  }
  log.info(
    {
      requestId: entry.requestId,
      method: entry.method,
      path: route,
      status: details.status,
      durationMs: Math.round(durationMs * 1000) / 1000,
      keyId: principal?.keyId ?? undefined,
      userId: principal?.userId,
      model: model === '' ? undefined : model,
      ttftMs: details.ttftMs,
      promptTokens: details.promptTokens,
      completionTokens: details.completionTokens,
      outcome: details.outcome,
    },
    'request done',
  )
}

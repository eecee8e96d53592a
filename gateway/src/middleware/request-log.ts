import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from '../http/app-env.js'
import type { Metrics } from '../observability/metrics.js'
import type { UsageRecorder } from '../usage/usage-recorder.js'

/** Where a finished request is recorded: request metrics and, for inference with a key, usage. */
export interface AccessSinks {
  readonly metrics: Metrics
  readonly usage: UsageRecorder
}

export interface AccessDetails {
  status: number
  ttftMs?: number
  promptTokens?: number
  completionTokens?: number
  outcome?: string
}

/** Writes the request's one access line and its request metrics. Streaming routes call it when the stream ends. */
export function recordAccess(c: Context<AppEnv>, sinks: AccessSinks, details: AccessDetails): void {
  const { metrics } = sinks
  const durationMs = performance.now() - c.get('startedAt')
  const route = c.req.routePath === '/*' ? 'other' : c.req.routePath
  const model = c.get('modelLabel') ?? ''
  metrics.requests.inc({ route, model, status: String(details.status) })
  metrics.requestDuration.observe({ route, model }, durationMs / 1000)
  const principal = c.get('principal')
  if (model !== '' && model !== 'other' && principal?.keyId != null) {
    sinks.usage.record({
      keyId: principal.keyId,
      model,
      promptTokens: details.promptTokens ?? 0,
      completionTokens: details.completionTokens ?? 0,
      isError: details.status >= 400,
    })
  }
  const log = c.get('log')
  if (!log.isLevelEnabled('info')) {
    return // the line's object is not even built (LOG_LEVEL=warn in production)
  }
  log.info(
    {
      method: c.req.method,
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

/** One access line per request, written after the response, unless a streaming route took that over. */
export function accessLog(sinks: AccessSinks): MiddlewareHandler<AppEnv> {
  return async function accessLog(c, next) {
    try {
      await next()
    } finally {
      if (c.get('accessLogDeferred') !== true) {
        recordAccess(c, sinks, { status: c.res.status })
      }
    }
  }
}

import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from '../http/app-env.js'
import type { Metrics } from '../observability/metrics.js'

export interface AccessDetails {
  status: number
  ttftMs?: number
  promptTokens?: number
  completionTokens?: number
  outcome?: string
}

/** Writes the request's one access line and its request metrics. Streaming routes call it when the stream ends. */
export function recordAccess(c: Context<AppEnv>, metrics: Metrics, details: AccessDetails): void {
  const durationMs = performance.now() - c.get('startedAt')
  const route = c.req.routePath === '/*' ? 'other' : c.req.routePath
  const model = c.get('modelLabel') ?? ''
  metrics.requests.inc({ route, model, status: String(details.status) })
  metrics.requestDuration.observe({ route, model }, durationMs / 1000)
  const principal = c.get('principal')
  c.get('log').info(
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
export function accessLog(metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async function accessLog(c, next) {
    try {
      await next()
    } finally {
      if (c.get('accessLogDeferred') !== true) {
        recordAccess(c, metrics, { status: c.res.status })
      }
    }
  }
}

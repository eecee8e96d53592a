import { timingSafeEqual } from 'node:crypto'
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import type { AppEnv } from '../http/app-env.js'
import { GatewayError } from '../http/gateway-error.js'

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Prometheus scrape endpoint; behind a bearer token when KEYGATE_METRICS_TOKEN is set (and, during a rotation,
 * KEYGATE_METRICS_TOKEN_PREVIOUS too).
 */
export function registerMetricsRoute(app: Hono<AppEnv>, deps: Deps): void {
  const { metricsToken, previousMetricsToken } = deps.config
  const tokens = [metricsToken, previousMetricsToken].filter((t) => t !== undefined)
  app.get('/metrics', async (c) => {
    if (tokens.length > 0) {
      const header = c.req.header('authorization') ?? ''
      if (!header.startsWith('Bearer ')) {
        throw new GatewayError('missing_api_key')
      }
      const given = header.slice(7)
      if (!tokens.some((token) => sameSecret(given, token))) {
        throw new GatewayError('invalid_api_key')
      }
    }
    const body = await deps.metrics.registry.metrics()
    return c.body(body, 200, { 'content-type': deps.metrics.registry.contentType })
  })
}

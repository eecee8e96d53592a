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

/** Prometheus scrape endpoint; behind a bearer token when KEYGATE_METRICS_TOKEN is set. */
export function registerMetricsRoute(app: Hono<AppEnv>, deps: Deps): void {
  const token = deps.config.metricsToken
  app.get('/metrics', async (c) => {
    if (token !== undefined) {
      const header = c.req.header('authorization') ?? ''
      if (!header.startsWith('Bearer ')) {
        throw new GatewayError('missing_api_key')
      }
      if (!sameSecret(header.slice(7), token)) {
        throw new GatewayError('invalid_api_key')
      }
    }
    const body = await deps.metrics.registry.metrics()
    return c.body(body, 200, { 'content-type': deps.metrics.registry.contentType })
  })
}

import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import type { AppEnv } from '../http/app-env.js'

/** /healthz: the process is up. /readyz: the database answers and the key cache is loaded. */
export function registerHealthRoutes(app: Hono<AppEnv>, deps: Deps): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    const checks = { database: false, keyCache: deps.isReady() }
    try {
      await deps.database.ping()
      checks.database = true
    } catch (err) {
      c.get('log').warn({ err }, 'readiness: database unreachable')
    }
    const ready = checks.database && checks.keyCache
    return c.json({ status: ready ? 'ok' : 'unavailable', checks }, ready ? 200 : 503)
  })
}

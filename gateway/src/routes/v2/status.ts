import type { Hono } from 'hono'
import type { Deps } from '../../deps.js'
import type { AppEnv } from '../../http/app-env.js'
import { requireAdmin } from '../../middleware/auth.js'

/** GET /v2/status as it answers (the UI's admin banner reads `limits.warning`). */
export interface ServiceStatus {
  replicas: number
  limits: {
    /** `redis`: counted in Redis, shared by every replica; `process`: in this replica's memory. */
    store: 'redis' | 'process'
    in_use: boolean
    /** Set while several replicas are live, some count in process, and limits are in use; else null. */
    warning: string | null
  }
}

/** What an admin should know about how this deployment runs; from the heartbeat, no query per call. */
export function registerStatusRoute(app: Hono<AppEnv>, deps: Deps): void {
  app.get('/v2/status', requireAdmin(), (c) => {
    const s = deps.heartbeat.status()
    const body: ServiceStatus = {
      replicas: s.replicas,
      limits: {
        store: s.sharedLimits ? 'redis' : 'process',
        in_use: s.limitsInUse,
        warning: s.warning,
      },
    }
    return c.json(body)
  })
}

import { Hono } from 'hono'
import type { Deps } from './deps.js'
import type { AppEnv } from './http/app-env.js'
import { onError, onNotFound } from './http/on-error.js'
import { authenticate, requireScope } from './middleware/auth.js'
import { bodyLimit } from './middleware/body-limit.js'
import { requestContext } from './middleware/request-id.js'
import { accessLog } from './middleware/request-log.js'
import { registerAuthRoutes } from './routes/auth.js'
import { registerHealthRoutes } from './routes/health.js'
import { registerInferenceRoutes } from './routes/inference.js'
import { registerMetricsRoute } from './routes/metrics.js'
import { registerUi } from './routes/ui.js'
import { registerApiKeyRoutes } from './routes/v2/api-keys.js'
import { registerAuditEventRoutes } from './routes/v2/audit-events.js'
import { registerModelRoutes } from './routes/v2/models.js'
import { registerUsageRoutes } from './routes/v2/usage.js'
import { registerUserRoutes } from './routes/v2/users.js'

/** Wires middleware and routes; builds nothing. */
export function createApp(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.onError(onError)
  app.notFound(onNotFound)
  app.use('*', requestContext(deps.logger))
  app.use('*', accessLog(deps))

  registerHealthRoutes(app, deps)
  registerMetricsRoute(app, deps)

  const limit = bodyLimit(deps.config.maxBodyBytes)
  app.use('/auth/*', limit)
  registerAuthRoutes(app, deps)

  const auth = authenticate({ keys: deps.keys, sessions: deps.sessions, metrics: deps.metrics })
  app.use('/v1/*', auth, requireScope('inference'), limit)
  app.use('/v2/*', auth, requireScope('management'), limit)
  registerInferenceRoutes(app, deps)
  registerApiKeyRoutes(app, deps)
  registerUserRoutes(app, deps)
  registerModelRoutes(app, deps)
  registerUsageRoutes(app, deps)
  registerAuditEventRoutes(app, deps)

  registerUi(app, deps)
  return app
}

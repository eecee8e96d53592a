import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { Deps } from './deps.js'
import type { AppEnv } from './http/app-env.js'
import { onError, onNotFound } from './http/on-error.js'
import { bodyTooLarge } from './http/read-request-body.js'
import { authenticate, requireScope } from './middleware/auth.js'
import { requestContext } from './middleware/request-context.js'
import { accessLog } from './middleware/request-log.js'
import { registerAuthRoutes } from './routes/auth.js'
import { registerHealthRoutes } from './routes/health.js'
import { registerMetricsRoute } from './routes/metrics.js'
import { registerModelList } from './routes/models.js'
import { registerOpenApiRoute } from './routes/openapi.js'
import { registerStoredResponses } from './routes/stored-responses.js'
import { registerUi } from './routes/ui.js'
import { registerApiKeyRoutes } from './routes/v2/api-keys.js'
import { registerAuditEventRoutes } from './routes/v2/audit-events.js'
import { registerModelRoutes } from './routes/v2/models.js'
import { registerSettingsRoutes } from './routes/v2/settings.js'
import { registerStatusRoute } from './routes/v2/status.js'
import { registerUsageRoutes } from './routes/v2/usage.js'
import { registerUserRoutes } from './routes/v2/users.js'

/** Wires middleware and routes; builds nothing. */
export function createApp(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.onError(onError)
  app.notFound(onNotFound)
  app.use('*', requestContext(deps.logger))
  app.use('*', accessLog(deps.recorder))

  registerHealthRoutes(app, deps)
  registerMetricsRoute(app, deps)
  registerOpenApiRoute(app)

  const maxSize = deps.config.maxBodyBytes
  const limit = bodyLimit({
    maxSize,
    onError: () => {
      throw bodyTooLarge(maxSize)
    },
  })
  app.use('/auth/*', limit)
  registerAuthRoutes(app, deps)

  const auth = authenticate(deps.auth)
  app.use('/v1/*', auth, requireScope('inference'), limit)
  app.use('/v2/*', auth, requireScope('management'), limit)
  registerModelList(app, deps) // the proxied /v1 routes are served beside Hono: proxy/proxy-routes.ts
  registerStoredResponses(app)
  registerApiKeyRoutes(app, deps)
  registerUserRoutes(app, deps)
  registerModelRoutes(app, deps)
  registerUsageRoutes(app, deps)
  registerAuditEventRoutes(app, deps)
  registerStatusRoute(app, deps)
  registerSettingsRoutes(app, deps)

  registerUi(app)
  return app
}

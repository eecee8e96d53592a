import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../http/app-env.js'
import type { RequestRecorder } from '../observability/request-recorder.js'

/** Records every request Hono served (metrics, access line) once its response is ready. */
export function accessLog(recorder: RequestRecorder): MiddlewareHandler<AppEnv> {
  return async function accessLog(c, next) {
    try {
      await next()
    } finally {
      recorder.finish(
        {
          method: c.req.method,
          route: c.req.routePath === '/*' ? 'other' : c.req.routePath,
          requestId: c.get('requestId'),
          startedAt: c.get('startedAt'),
          model: '',
          principal: c.get('principal'),
          log: c.get('log'),
        },
        { status: c.res.status },
      )
    }
  }
}

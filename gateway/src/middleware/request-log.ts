import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../http/app-env.js'
import { type AccessSinks, recordAccess } from '../observability/access-record.js'

/** One access line per request served by Hono, written after the response. */
export function accessLog(sinks: AccessSinks): MiddlewareHandler<AppEnv> {
  return async function accessLog(c, next) {
    try {
      await next()
    } finally {
      recordAccess(
        sinks,
        {
          method: c.req.method,
          route: c.req.routePath === '/*' ? 'other' : c.req.routePath,
          requestId: c.get('requestId'),
          startedAt: c.get('startedAt'),
          model: '',
          principal: c.get('principal'),
        },
        { status: c.res.status },
      )
    }
  }
}

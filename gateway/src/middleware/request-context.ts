import type { MiddlewareHandler } from 'hono'
import type { Logger } from 'pino'
import type { AppEnv } from '../http/app-env.js'
import { acceptRequestId } from '../http/request-id.js'

/** Sets `requestId`, a per-request child logger and the start time; echoes `x-request-id` on every response. */
export function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    const requestId = acceptRequestId(c.req.header('x-request-id'))
    c.set('requestId', requestId)
    c.set('startedAt', performance.now())
    c.set('log', logger.child({ requestId }))
    c.header('x-request-id', requestId)
    await next()
  }
}

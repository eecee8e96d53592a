import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { Logger } from 'pino'
import type { AppEnv } from '../http/app-env.js'

/** A client's id is kept when it is short and plain, so it cannot inject into logs or upstream headers. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The request's id: the client's `x-request-id` when it is safe to reuse, else a fresh UUID. */
export function acceptRequestId(given: string | undefined): string {
  return given !== undefined && SAFE_REQUEST_ID.test(given) ? given : randomUUID()
}

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

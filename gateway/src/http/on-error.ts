import type { ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { isDatabaseUnavailable } from '../db/database-unavailable.js'
import type { AppEnv } from './app-env.js'
import { toErrorBody } from './error-body.js'
import { GatewayError } from './gateway-error.js'

function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) {
    return err
  }
  if (err instanceof HTTPException) {
    // Hono's own exceptions: a body over the limit, a malformed request it refused to parse.
    if (err.status === 413) {
      return new GatewayError('request_too_large', { cause: err })
    }
    if (err.status === 400) {
      return new GatewayError('invalid_request', { cause: err, message: 'Malformed request.' })
    }
  }
  if (isDatabaseUnavailable(err)) {
    return new GatewayError('database_unavailable', { cause: err })
  }
  return new GatewayError('internal_error', { cause: err })
}

/** The only writer of error bodies (besides SSE error frames after a stream has started). */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const e = toGatewayError(err)
  const requestId = c.get('requestId') ?? ''
  if (e.status >= 500) {
    c.get('log')?.error({ err }, 'request failed')
  }
  if (e.retryAfterSeconds !== undefined) {
    c.header('retry-after', String(e.retryAfterSeconds))
  }
  c.header('x-request-id', requestId)
  c.header('cache-control', 'no-store')
  return c.json(toErrorBody(e, requestId), e.status as 400)
}

export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
  onError(
    new GatewayError('not_found', { message: `No route for ${c.req.method} ${c.req.path}.` }),
    c,
  )

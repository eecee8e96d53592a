import type { ErrorHandler, NotFoundHandler } from 'hono'
import type { AppEnv } from './app-env.js'
import { toErrorResponse, toGatewayError } from './error-response.js'
import { GatewayError } from './gateway-error.js'

/** Hono's error handler: every error a Hono route throws leaves through toErrorResponse. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const e = toGatewayError(err)
  const requestId = c.get('requestId') ?? ''
  if (e.status >= 500) {
    c.get('log')?.error({ err }, 'request failed')
  }
  const answer = toErrorResponse(e, requestId)
  return c.body(answer.body, answer.status as 400, answer.headers)
}

export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
  onError(
    new GatewayError('not_found', { message: `No route for ${c.req.method} ${c.req.path}.` }),
    c,
  )

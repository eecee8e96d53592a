import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import type { AppEnv } from './app-env.js'
import { toErrorResponse, toGatewayError } from './error-response.js'
import { GatewayError } from './gateway-error.js'
import { ClientClosedError } from './read-request-body.js'

/**
 * The error is the Node request's own stream error: the client closed the connection before its body ended.
 * (@hono/node-server hands that very error to whoever reads the body, Hono's bodyLimit included.)
 */
function isClientGone(err: unknown, c: Context<AppEnv>): boolean {
  const errored = c.env?.incoming?.errored
  return errored !== undefined && errored !== null && err === errored
}

/** Hono's error handler: every error a Hono route throws leaves through toErrorResponse. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const e = toGatewayError(isClientGone(err, c) ? new ClientClosedError(err) : err)
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

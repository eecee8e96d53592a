import { HTTPException } from 'hono/http-exception'
import { isDatabaseUnavailable } from '../db/database-unavailable.js'
import { toAnthropicErrorBody } from './anthropic-error-body.js'
import { toErrorBody } from './error-body.js'
import { GatewayError } from './gateway-error.js'
import { ClientClosedError } from './read-request-body.js'

/** Any thrown value as the error the client gets: unknown ones are 500s that reveal nothing. */
export function toGatewayError(err: unknown): GatewayError {
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
  if (err instanceof ClientClosedError) {
    // Before the database check: a reset client socket carries ECONNRESET too, and is not an outage.
    return new GatewayError('client_closed_request', { cause: err })
  }
  if (isDatabaseUnavailable(err)) {
    return new GatewayError('database_unavailable', { cause: err })
  }
  return new GatewayError('internal_error', { cause: err })
}

export interface ErrorResponse {
  readonly status: number
  readonly headers: Record<string, string>
  /** The error envelope as JSON text. */
  readonly body: string
}

/**
 * Whose envelope an error is written in: OpenAI's everywhere, Anthropic's on the Messages routes (their SDKs
 * read only their own). The status, message and headers are the same either way.
 */
export type ErrorDialect = 'openai' | 'anthropic'

/** The one error answer, for whichever server path writes it. */
export function toErrorResponse(
  e: GatewayError,
  requestId: string,
  dialect: ErrorDialect = 'openai',
): ErrorResponse {
  const body = JSON.stringify(
    dialect === 'anthropic' ? toAnthropicErrorBody(e, requestId) : toErrorBody(e, requestId),
  )
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'x-request-id': requestId,
  }
  if (e.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(e.retryAfterSeconds)
  }
  return { status: e.status, headers, body }
}

import { clientMessage } from './error-body.js'
import type { GatewayError } from './gateway-error.js'

/**
 * The same GatewayError in Anthropic's envelope, for the Messages routes: `{"type":"error","error":{"type",
 * "message"},"request_id"}` with Anthropic's type for each status (docs.anthropic.com/en/api/errors), so
 * Anthropic's SDKs raise their own error classes (they choose them by status; Claude Code also reads the type).
 * Status, message and retry headers are the table's, as on every other route.
 */

export interface AnthropicErrorBody {
  type: 'error'
  error: { type: string; message: string }
  request_id: string
}

/** Anthropic's error type for a status; it uses invalid_request_error for 4xx it does not name. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error'
    case 401:
      return 'authentication_error'
    case 402:
      return 'billing_error'
    case 403:
      return 'permission_error'
    case 404:
      return 'not_found_error'
    case 413:
      return 'request_too_large'
    case 429:
      return 'rate_limit_error'
    case 503:
    case 529:
      return 'overloaded_error'
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error'
  }
}

export function toAnthropicErrorBody(e: GatewayError, requestId: string): AnthropicErrorBody {
  return {
    type: 'error',
    error: { type: anthropicErrorType(e.status), message: clientMessage(e, requestId) },
    request_id: requestId,
  }
}

/** The envelope as an SSE `error` event, for a Messages stream that fails after its 200. */
export function toAnthropicSseErrorFrame(e: GatewayError, requestId: string): string {
  return `event: error\ndata: ${JSON.stringify(toAnthropicErrorBody(e, requestId))}\n\n`
}

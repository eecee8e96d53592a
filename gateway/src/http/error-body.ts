import type { GatewayError } from './gateway-error.js'

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null }
}

/** What a client is told: 5xx never carry internal details, only the table's message and the request id. */
export function clientMessage(e: GatewayError, requestId: string): string {
  return e.code === 'internal_error' ? `Internal error (request id ${requestId}).` : e.message
}

/** OpenAI's error envelope. */
export function toErrorBody(e: GatewayError, requestId: string): ErrorBody {
  return {
    error: { message: clientMessage(e, requestId), type: e.type, param: e.param, code: e.bodyCode },
  }
}

/** The same envelope as one SSE frame, for errors after a stream has started. */
export function toSseErrorFrame(e: GatewayError, requestId: string): string {
  return `data: ${JSON.stringify(toErrorBody(e, requestId))}\n\n`
}

/**
 * A Responses API stream's `error` event: the spec's `type`/`code`/`message`/`param`, plus the envelope as
 * `error`, which is what the OpenAI SDKs raise an APIError from when a frame carries one.
 */
export function toResponsesSseErrorFrame(e: GatewayError, requestId: string): string {
  const { error } = toErrorBody(e, requestId)
  const event = {
    type: 'error',
    code: error.code,
    message: error.message,
    param: error.param,
    error,
  }
  return `event: error\ndata: ${JSON.stringify(event)}\n\n`
}

import type { GatewayError } from './gateway-error.js'

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null }
}

/** OpenAI's error envelope. 5xx never carry internal details: only the table's message and the request id. */
export function toErrorBody(e: GatewayError, requestId: string): ErrorBody {
  const message =
    e.code === 'internal_error' ? `Internal error (request id ${requestId}).` : e.message
  return { error: { message, type: e.type, param: e.param, code: e.bodyCode } }
}

/** The same envelope as one SSE frame, for errors after a stream has started. */
export function toSseErrorFrame(e: GatewayError, requestId: string): string {
  return `data: ${JSON.stringify(toErrorBody(e, requestId))}\n\n`
}

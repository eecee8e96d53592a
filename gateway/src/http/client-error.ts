import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { toErrorResponse } from './error-response.js'
import { type ErrorCode, GatewayError } from './gateway-error.js'

/** Node's parser codes for a request it refused before any route saw it, as the error table names them. */
function codeFor(parserCode: string | undefined): ErrorCode {
  switch (parserCode) {
    case 'HPE_HEADER_OVERFLOW':
      return 'request_headers_too_large'
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'request_too_large'
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'request_timeout'
    default:
      return 'invalid_request'
  }
}

/**
 * node:http's `clientError`: a request its parser refused (headers over the limit, a malformed request line,
 * a request that never arrived in time). Node would answer a bare status with an empty body; this writes the
 * same status with the error envelope and a fresh request id, then closes the connection (the parser cannot
 * resynchronise). As Node does, nothing is written on a socket that has already had bytes written to it (a
 * response in progress) or can no longer be written, and a reset connection is just closed.
 */
export function answerClientError(
  err: Error & { code?: string },
  socket: Duplex,
  logger: Logger,
): void {
  if (err.code === 'ECONNRESET' || !socket.writable || bytesWritten(socket) !== 0) {
    socket.destroy()
    return
  }
  const code = codeFor(err.code)
  const requestId = randomUUID()
  logger.debug({ requestId, parserCode: err.code }, 'malformed request refused')
  const answer = toErrorResponse(
    new GatewayError(
      code,
      code === 'invalid_request' ? { message: 'Malformed HTTP request.' } : {},
    ),
    requestId,
  )
  const head = [
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}`,
    ...Object.entries(answer.headers).map(([name, value]) => `${name}: ${value}`),
    `content-length: ${Buffer.byteLength(answer.body)}`,
    'connection: close',
  ]
  socket.end(`${head.join('\r\n')}\r\n\r\n${answer.body}`, () => socket.destroy())
}

function bytesWritten(socket: Duplex): number {
  return 'bytesWritten' in socket && typeof socket.bytesWritten === 'number'
    ? socket.bytesWritten
    : 0
}

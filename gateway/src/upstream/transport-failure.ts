/**
 * Which transport failures happened before the engine could have answered, so the request may go elsewhere
 * ("connection failure before any byte: 502 after trying another instance").
 * - `unreachable`: no connection was made (refused, no route, connect timeout, name not found): the instance
 *   is down for sure.
 * - `reset`: the connection closed before the response headers: a crashed engine, or a reused keep-alive socket
 *   the engine closed as we wrote (docs/engines.md §5).
 * Anything else (headers timeout, abort, TLS trouble) is not retried: the engine may be busy with it.
 */
export type TransportFailure = 'unreachable' | 'reset'

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
])

const RESET = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET', // undici's "other side closed"
  'UND_ERR_CLOSED', // the pool was retired between pick and send (its address left DNS)
  'UND_ERR_DESTROYED',
])

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined
}

export function classifyTransportFailure(err: unknown): TransportFailure | undefined {
  const code = codeOf(err)
  if (typeof code !== 'string') {
    return undefined
  }
  if (UNREACHABLE.has(code)) {
    return 'unreachable'
  }
  return RESET.has(code) ? 'reset' : undefined
}

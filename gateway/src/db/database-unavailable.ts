/** postgres.js's own codes for a connection that could not be made or was lost. */
const DRIVER_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
])

/** Node's socket errors on the way to the database. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
])

/**
 * True when `err` (or an error in its `cause` chain) says the database could not be reached, as opposed to a query
 * that failed: such a request gets 503 database_unavailable, which clients retry, instead of a 500.
 * SQLSTATE class 08 is "connection exception"; 57P01-57P03 mean the server is shutting down or starting up.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth += 1) {
    const code = 'code' in e ? e.code : undefined
    if (typeof code === 'string') {
      if (DRIVER_CODES.has(code) || SOCKET_CODES.has(code)) {
        return true
      }
      if (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code)) {
        return true
      }
    }
    e = 'cause' in e ? e.cause : undefined
  }
  return false
}

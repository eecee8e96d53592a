import { parse as parseCookie, serialize as serializeCookie } from 'hono/utils/cookie'
import type { Scope } from '../db/tables.js'
import { GatewayError } from '../http/gateway-error.js'
import type { Metrics } from '../observability/metrics.js'
import type { Principal } from './principal.js'

/**
 * Who is calling: an API key (bearer or x-api-key) or the session cookie. Framework-free, so the Hono middleware and the node:http
 * proxy path (proxy/proxy-exchange.ts) run the same checks.
 */

export const SESSION_COOKIE = 'keygate_session'

export type KeyVerifyResult =
  | { ok: true; principal: Principal }
  | { ok: false; reason: 'unknown' | 'expired' | 'disabled' | 'unavailable' }

/** Verifies a bearer key; answers synchronously for a cached key (the hot path). */
export interface KeyVerifier {
  verify(token: string): KeyVerifyResult | Promise<KeyVerifyResult>
}

export interface SessionCheck {
  principal: Principal
  /** A fresh token when the session was close to expiry, to be set as the cookie. */
  renewedToken: string | null
  maxAgeSeconds: number
}

export interface SessionVerifier {
  /** Null for a token that is invalid, expired, or whose user is gone or inactive. */
  verify(token: string): Promise<SessionCheck | null>
}

export interface AuthOptions {
  keys: KeyVerifier
  sessions: SessionVerifier
  metrics: Metrics
}

/** What identification reads from a request. */
export interface CredentialSource {
  readonly method: string
  /** A request header by its lowercase name. */
  header(name: string): string | undefined
  /** Sets a renewed session cookie (a `Set-Cookie` value) on the response. */
  setCookie(value: string): void
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) {
    return undefined
  }
  const space = header.indexOf(' ')
  if (space < 0 || header.slice(0, space).toLowerCase() !== 'bearer') {
    return ''
  }
  return header.slice(space + 1).trim()
}

/** A cookie-authenticated write must come from our own origin; another site must not drive it. */
export function isSameOrigin(header: (name: string) => string | undefined): boolean {
  const site = header('sec-fetch-site')
  if (site !== undefined) {
    return site === 'same-origin' || site === 'none'
  }
  const origin = header('origin')
  if (origin === undefined) {
    return true // not a browser cross-site request: browsers send Origin on cross-site POSTs
  }
  const host = header('host')
  try {
    return host !== undefined && new URL(origin).host === host
  } catch {
    return false
  }
}

/** The session cookie: HttpOnly, SameSite=Lax, Secure when the request came over https (behind the ingress). */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return serializeCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure,
    path: '/',
    maxAge: maxAgeSeconds,
  })
}

/** Whether the client reached us over https: TLS ends at the ingress, which says so in X-Forwarded-Proto. */
export function cameOverHttps(header: (name: string) => string | undefined): boolean {
  return header('x-forwarded-proto') === 'https'
}

/**
 * The API key a request carries: `Authorization: Bearer <key>`, or `x-api-key: <key>` (what Anthropic's SDKs
 * send; llama.cpp accepts it too), on every route. Undefined when neither is there; '' when what is there is not
 * a usable key. Two headers with different keys are refused: the gateway will not guess which one was meant.
 */
function apiKeyOf(source: CredentialSource, metrics: Metrics): string | undefined {
  const bearer = bearerToken(source.header('authorization'))
  const header = source.header('x-api-key')
  if (header === undefined) {
    return bearer
  }
  const key = header.trim()
  if (bearer !== undefined && bearer !== key) {
    metrics.auth.inc({ result: 'ambiguous' })
    throw new GatewayError('invalid_api_key', {
      message: 'Ambiguous credentials: Authorization and x-api-key carry different keys; send one.',
    })
  }
  return key
}

/**
 * The caller, from an API key (apiKeyOf) or the session cookie; rejects with the 401/403/503 GatewayError
 * otherwise. A cached key is verified without I/O; only the await remains.
 */
export async function identify(source: CredentialSource, options: AuthOptions): Promise<Principal> {
  const { keys, metrics } = options
  const token = apiKeyOf(source, metrics)
  if (token === undefined) {
    return identifySession(source, options)
  }
  if (token === '') {
    metrics.auth.inc({ result: 'malformed' })
    throw new GatewayError('invalid_api_key', {
      message: 'Malformed credentials: use Authorization: Bearer <key> or x-api-key: <key>.',
    })
  }
  return keyPrincipal(await keys.verify(token), metrics)
}

function keyPrincipal(result: KeyVerifyResult, metrics: Metrics): Principal {
  if (!result.ok) {
    metrics.auth.inc({ result: result.reason })
    if (result.reason === 'unavailable') {
      throw new GatewayError('database_unavailable')
    }
    throw new GatewayError('invalid_api_key', { message: invalidKeyMessage(result.reason) })
  }
  metrics.auth.inc({ result: 'ok' })
  return result.principal
}

async function identifySession(source: CredentialSource, options: AuthOptions): Promise<Principal> {
  const { metrics } = options
  const header = source.header('cookie')
  const cookie =
    header === undefined ? undefined : parseCookie(header, SESSION_COOKIE)[SESSION_COOKIE]
  if (cookie === undefined || cookie === '') {
    metrics.auth.inc({ result: 'missing' })
    throw new GatewayError('missing_api_key')
  }
  const session = await verifySession(options, cookie)
  if (session === null) {
    metrics.auth.inc({ result: 'session_invalid' })
    throw new GatewayError('invalid_api_key', {
      message: 'Your session has expired; log in again.',
    })
  }
  if (UNSAFE_METHODS.has(source.method) && !isSameOrigin((name) => source.header(name))) {
    metrics.auth.inc({ result: 'cross_site' })
    throw new GatewayError('insufficient_permissions', { message: 'Cross-site request refused.' })
  }
  metrics.auth.inc({ result: 'session' })
  if (session.renewedToken !== null) {
    source.setCookie(
      sessionCookie(
        session.renewedToken,
        session.maxAgeSeconds,
        cameOverHttps((n) => source.header(n)),
      ),
    )
  }
  return session.principal
}

/** A session is checked against the users table: when the database is away that is an outage (503), not a 500. */
async function verifySession(options: AuthOptions, cookie: string): Promise<SessionCheck | null> {
  try {
    return await options.sessions.verify(cookie)
  } catch (err) {
    options.metrics.auth.inc({ result: 'unavailable' })
    throw new GatewayError('database_unavailable', { cause: err })
  }
}

function invalidKeyMessage(reason: 'unknown' | 'expired' | 'disabled'): string {
  if (reason === 'expired') {
    return 'This API key has expired.'
  }
  if (reason === 'disabled') {
    return 'This API key is disabled.'
  }
  return 'Incorrect API key provided.'
}

/** Throws 403 unless the caller holds `scope` (a session holds both). */
export function checkScope(principal: Principal, scope: Scope): void {
  if (!principal.scope.has(scope)) {
    throw new GatewayError('insufficient_permissions', {
      message: `This API key lacks the ${scope === 'inference' ? 'Model Access' : 'Platform Management'} permission.`,
    })
  }
}

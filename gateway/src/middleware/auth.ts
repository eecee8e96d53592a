import type { Context, MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import type { Principal } from '../auth/principal.js'
import type { Scope } from '../db/tables.js'
import type { AppEnv } from '../http/app-env.js'
import { GatewayError } from '../http/gateway-error.js'
import type { Metrics } from '../observability/metrics.js'

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

/** A cookie-authenticated write must come from our own origin; another site must not drive it (DESIGN §5). */
export function isSameOrigin(c: Context<AppEnv>): boolean {
  const site = c.req.header('sec-fetch-site')
  if (site !== undefined) {
    return site === 'same-origin' || site === 'none'
  }
  const origin = c.req.header('origin')
  if (origin === undefined) {
    return true // not a browser cross-site request: browsers send Origin on cross-site POSTs
  }
  const host = c.req.header('host')
  try {
    return host !== undefined && new URL(origin).host === host
  } catch {
    return false
  }
}

export interface AuthOptions {
  keys: KeyVerifier
  sessions: SessionVerifier
  metrics: Metrics
}

/** Resolves the caller from `Authorization: Bearer` (an API key) or the session cookie, else 401. */
export function authenticate(options: AuthOptions): MiddlewareHandler<AppEnv> {
  const { keys, sessions, metrics } = options
  return async function authenticate(c, next) {
    const token = bearerToken(c.req.header('authorization'))
    if (token !== undefined) {
      if (token === '') {
        metrics.auth.inc({ result: 'malformed' })
        throw new GatewayError('invalid_api_key', {
          message: 'Malformed Authorization header: use Bearer <key>.',
        })
      }
      const pending = keys.verify(token)
      const result = pending instanceof Promise ? await pending : pending
      if (!result.ok) {
        metrics.auth.inc({ result: result.reason })
        if (result.reason === 'unavailable') {
          throw new GatewayError('database_unavailable')
        }
        throw new GatewayError('invalid_api_key', { message: invalidKeyMessage(result.reason) })
      }
      metrics.auth.inc({ result: 'ok' })
      c.set('principal', result.principal)
      return next()
    }
    const cookie = getCookie(c, SESSION_COOKIE)
    if (cookie !== undefined && cookie !== '') {
      const session = await verifySession(sessions, cookie, metrics)
      if (session === null) {
        metrics.auth.inc({ result: 'session_invalid' })
        throw new GatewayError('invalid_api_key', {
          message: 'Your session has expired; log in again.',
        })
      }
      if (UNSAFE_METHODS.has(c.req.method) && !isSameOrigin(c)) {
        metrics.auth.inc({ result: 'cross_site' })
        throw new GatewayError('insufficient_permissions', {
          message: 'Cross-site request refused.',
        })
      }
      metrics.auth.inc({ result: 'session' })
      if (session.renewedToken !== null) {
        setSessionCookie(c, session.renewedToken, session.maxAgeSeconds)
      }
      c.set('principal', session.principal)
      return next()
    }
    metrics.auth.inc({ result: 'missing' })
    throw new GatewayError('missing_api_key')
  }
}

/** A session is checked against the users table: when the database is away that is an outage (503), not a 500. */
async function verifySession(
  sessions: SessionVerifier,
  cookie: string,
  metrics: Metrics,
): Promise<SessionCheck | null> {
  try {
    return await sessions.verify(cookie)
  } catch (err) {
    metrics.auth.inc({ result: 'unavailable' })
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

/** Sets the session cookie: HttpOnly, SameSite=Lax, Secure when the request came over https. */
export function setSessionCookie(c: Context<AppEnv>, token: string, maxAgeSeconds: number): void {
  const proto = c.req.header('x-forwarded-proto') ?? new URL(c.req.url).protocol.replace(':', '')
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: proto === 'https',
    path: '/',
    maxAge: maxAgeSeconds,
  })
}

/** 403 unless the caller holds `scope` (a session holds both). */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  return async function requireScope(c, next) {
    if (!c.get('principal').scope.has(scope)) {
      throw new GatewayError('insufficient_permissions', {
        message: `This API key lacks the ${scope === 'inference' ? 'Model Access' : 'Platform Management'} permission.`,
      })
    }
    await next()
  }
}

/** 403 unless the caller is an admin; a management key acts with its owner's rights, never more. */
export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async function requireAdmin(c, next) {
    if (!c.get('principal').isAdmin) {
      throw new GatewayError('insufficient_permissions', {
        message: 'Administrator rights required.',
      })
    }
    await next()
  }
}

import { parse as parseCookie, serialize as serializeCookie } from 'hono/utils/cookie'
import { GatewayError } from '../http/gateway-error.js'
import type { Metrics } from '../observability/metrics.js'
import type { CredentialSource } from './identify.js'
import type { Principal } from './principal.js'

/** The UI session cookie: its checks, its refusals, and the routes open before a forced password change. */

export const SESSION_COOKIE = 'keygate_session'

export interface SessionCheck {
  principal: Principal
  /** A fresh token when the session was close to expiry, to be set as the cookie. */
  renewedToken: string | null
  maxAgeSeconds: number
  /** The user must set a new password first (the generated admin password, an admin reset). */
  passwordChangeRequired: boolean
}

/** Why a session cookie is refused; each gets its own message (the holder of the cookie may know). */
export type SessionRefusal = 'invalid' | 'expired' | 'password_changed' | 'inactive' | 'deleted'

export type SessionVerification =
  | { ok: true; session: SessionCheck }
  | { ok: false; reason: SessionRefusal }

export interface SessionVerifier {
  verify(token: string): Promise<SessionVerification>
}

const SESSION_REFUSALS: Record<SessionRefusal, string> = {
  invalid: 'Your session is not valid; log in again.',
  expired: 'Your session has expired; log in again.',
  password_changed: 'Your session ended because the password was changed; log in again.',
  inactive: 'Your account has been deactivated.',
  deleted: 'Your account no longer exists.',
}

/**
 * What a session that must change its password may do: what the UI's change-password page calls (logout takes no
 * credential). Everything else is 403 password_change_required, so the rule holds for API calls too, not only in
 * the UI. Bearer keys are not sessions and are not affected.
 */
const BEFORE_PASSWORD_CHANGE = new Set(['GET /v2/users/me', 'POST /auth/update-password'])

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

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
 * The caller from the session cookie, else the 401 (no cookie, or one refused with its reason), 403 (a cross-site
 * write, or a password that must change first) or 503 (the users table cannot be read).
 */
export async function identifySession(
  source: CredentialSource,
  sessions: SessionVerifier,
  metrics: Metrics,
): Promise<Principal> {
  const header = source.header('cookie')
  const cookie =
    header === undefined ? undefined : parseCookie(header, SESSION_COOKIE)[SESSION_COOKIE]
  if (cookie === undefined || cookie === '') {
    metrics.auth.inc({ result: 'missing' })
    throw new GatewayError('missing_api_key')
  }
  const verified = await verifySession(sessions, cookie, metrics)
  if (!verified.ok) {
    metrics.auth.inc({ result: 'session_invalid' })
    throw new GatewayError('invalid_session', { message: SESSION_REFUSALS[verified.reason] })
  }
  const session = verified.session
  if (UNSAFE_METHODS.has(source.method) && !isSameOrigin((name) => source.header(name))) {
    metrics.auth.inc({ result: 'cross_site' })
    throw new GatewayError('insufficient_permissions', { message: 'Cross-site request refused.' })
  }
  if (
    session.passwordChangeRequired &&
    !BEFORE_PASSWORD_CHANGE.has(`${source.method} ${source.path}`)
  ) {
    metrics.auth.inc({ result: 'password_change_required' })
    throw new GatewayError('password_change_required')
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
async function verifySession(
  sessions: SessionVerifier,
  cookie: string,
  metrics: Metrics,
): Promise<SessionVerification> {
  try {
    return await sessions.verify(cookie)
  } catch (err) {
    metrics.auth.inc({ result: 'unavailable' })
    throw new GatewayError('database_unavailable', { cause: err })
  }
}

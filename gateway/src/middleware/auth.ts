import type { Context, MiddlewareHandler } from 'hono'
import { type AuthOptions, type CredentialSource, checkScope, identify } from '../auth/identify.js'
import { cameOverHttps, isSameOrigin, sessionCookie } from '../auth/session-identify.js'
import type { Scope } from '../db/tables.js'
import type { AppEnv } from '../http/app-env.js'
import { GatewayError } from '../http/gateway-error.js'

/** Hono's view of a request for identify(). */
function credentialsOf(c: Context<AppEnv>): CredentialSource {
  return {
    method: c.req.method,
    path: c.req.path,
    header: (name) => c.req.header(name),
    remoteAddress: () => c.env?.incoming?.socket.remoteAddress,
    setCookie: (value) => c.header('set-cookie', value, { append: true }),
  }
}

/** Resolves the caller from `Authorization: Bearer` (an API key) or the session cookie, else 401. */
export function authenticate(options: AuthOptions): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    c.set('principal', await identify(credentialsOf(c), options))
    return next()
  }
}

/** Whether a cookie-authenticated write comes from our own origin (login and password routes). */
export function isSameOriginRequest(c: Context<AppEnv>): boolean {
  return isSameOrigin((name) => c.req.header(name))
}

/** Sets the session cookie on the response (Secure when the client came over https). */
export function setSessionCookie(c: Context<AppEnv>, token: string, maxAgeSeconds: number): void {
  const secure = cameOverHttps((name) => c.req.header(name))
  c.header('set-cookie', sessionCookie(token, maxAgeSeconds, secure), { append: true })
}

/** 403 unless the caller holds `scope` (a session holds both). */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  return async function requireScope(c, next) {
    checkScope(c.get('principal'), scope)
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

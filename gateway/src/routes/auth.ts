import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context, Hono } from 'hono'
import { deleteCookie } from 'hono/cookie'
import { userActor } from '../audit/audit-log.js'
import { SESSION_COOKIE } from '../auth/session-identify.js'
import type { Deps } from '../deps.js'
import type { AppEnv } from '../http/app-env.js'
import { GatewayError } from '../http/gateway-error.js'
import { parseInput, readJsonOrForm } from '../http/request-input.js'
import {
  authenticate,
  isSameOriginRequest,
  requireScope,
  setSessionCookie,
} from '../middleware/auth.js'
import { checkCredentials, isCurrentPassword } from '../users/credentials.js'
import { changeOwnPassword } from '../users/user-admin.js'
import { LoginBody, UpdatePasswordBody } from '../users/user-input.js'
import { toUserJson } from '../users/user-view.js'

/** The socket's peer address (undefined under app.request() in unit tests, which has no socket). */
function socketAddress(c: Context<AppEnv>): string | undefined {
  try {
    return getConnInfo(c).remote.address
  } catch {
    return undefined
  }
}

/** Login and logout are cookie-free form posts: another site must not be able to drive them either. */
function refuseCrossSite(c: Context<AppEnv>): void {
  if (!isSameOriginRequest(c)) {
    throw new GatewayError('insufficient_permissions', { message: 'Cross-site request refused.' })
  }
}

function tooManyAttempts(retryAfterSeconds: number): GatewayError {
  return new GatewayError('rate_limit_exceeded', {
    message: 'Too many failed attempts; retry later.',
    retryAfterSeconds,
  })
}

/** POST /auth/login, /auth/logout, /auth/update-password. */
export function registerAuthRoutes(app: Hono<AppEnv>, deps: Deps): void {
  const db = deps.database.db
  const throttle = deps.loginThrottle
  // X-Forwarded-For counts only from KEYGATE_TRUSTED_PROXIES (auth/client-address.ts).
  const clientAddress = (c: Context<AppEnv>) =>
    deps.clientAddressOf(socketAddress(c), c.req.header('x-forwarded-for'))

  app.post('/auth/login', async (c) => {
    refuseCrossSite(c)
    const input = parseInput(LoginBody, await readJsonOrForm(c))
    const address = clientAddress(c)
    const decision = throttle.attempt(input.username, address)
    if (!decision.ok) {
      throw tooManyAttempts(decision.retryAfterSeconds)
    }
    const result = await checkCredentials(db, input.username, input.password)
    if (!result.ok) {
      throw new GatewayError('invalid_credentials')
    }
    throttle.succeeded(input.username, address)
    const session = await deps.sessions.issue(result.user.id)
    setSessionCookie(c, session.token, session.maxAgeSeconds)
    c.header('cache-control', 'no-store')
    return c.json(toUserJson(result.user))
  })

  app.post('/auth/logout', (c) => {
    refuseCrossSite(c)
    // Sessions are stateless JWTs: logout forgets the cookie; a copied token stays valid until it expires.
    deleteCookie(c, SESSION_COOKIE, { path: '/' })
    return c.body(null, 204)
  })

  // Same authentication as /v2: the session cookie (same-origin writes only) or a management key.
  app.post(
    '/auth/update-password',
    authenticate(deps.auth),
    requireScope('management'),
    async (c) => {
      const principal = c.get('principal')
      const input = parseInput(UpdatePasswordBody, await readJsonOrForm(c))
      const address = clientAddress(c)
      const decision = throttle.attempt(principal.username, address)
      if (!decision.ok) {
        throw tooManyAttempts(decision.retryAfterSeconds)
      }
      if (!(await isCurrentPassword(db, principal.userId, input.current_password))) {
        // 422, not 401: the session is fine, and a 401 would send the UI back to the login page.
        throw new GatewayError('validation_error', {
          message: 'The current password is incorrect.',
          param: 'current_password',
        })
      }
      throttle.succeeded(principal.username, address)
      if (input.new_password === input.current_password) {
        throw new GatewayError('validation_error', {
          message: 'The new password must differ from the current one.',
          param: 'new_password',
        })
      }
      const actor = userActor(principal.userId, principal.keyId)
      const user = await changeOwnPassword(db, actor, input.new_password)
      if (user === undefined) {
        throw new GatewayError('invalid_api_key', { message: 'Your account no longer exists.' })
      }
      // The new password ends every older session, this one included: hand this browser a fresh one.
      if (principal.keyId === null) {
        const session = await deps.sessions.issue(user.id)
        setSessionCookie(c, session.token, session.maxAgeSeconds)
      }
      c.header('cache-control', 'no-store')
      return c.json(toUserJson(user))
    },
  )
}

import { timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Clock } from '../clock.js'
import type { Tables } from '../db/tables.js'
import { findSessionUser, type SessionUser } from '../users/user-repository.js'
import { ALL_SCOPES } from './principal.js'
import type { SessionRefusal, SessionVerification, SessionVerifier } from './session-identify.js'
import {
  passwordVersion,
  readSessionToken,
  SESSION_SECONDS,
  shouldRenew,
  signSessionToken,
} from './session-token.js'

export interface SessionServiceOptions {
  db: Kysely<Tables>
  secret: Uint8Array
  clock: Clock
}

export interface SessionService extends SessionVerifier {
  /** A new session token for the user and its lifetime in seconds (the cookie's Max-Age). */
  issue(userId: number): Promise<{ token: string; maxAgeSeconds: number }>
}

/**
 * UI sessions. Each check reads the user, so a deactivated or deleted user's session is refused at once
 * and a demoted admin loses admin rights at once. The token's `pwv` follows the password (the md5 of its hash, keyed
 * by the secret): setting a password (own change, admin reset, CLI reset) ends every older session; other edits don't.
 */
export function createSessionService(options: SessionServiceOptions): SessionService {
  const { db, secret, clock } = options

  const versionOf = (user: SessionUser): string => passwordVersion(secret, user.password_stamp)
  const sign = (user: SessionUser): Promise<string> =>
    signSessionToken(secret, clock.now(), user.id, versionOf(user))

  return {
    async verify(token: string): Promise<SessionVerification> {
      const claims = await readSessionToken(secret, clock.now(), token)
      if (typeof claims === 'string') {
        return refused(claims)
      }
      const user = await findSessionUser(db, claims.userId)
      if (user === undefined) {
        return refused('deleted')
      }
      if (!user.is_active) {
        return refused('inactive')
      }
      if (!sameText(claims.pwv, versionOf(user))) {
        return refused('password_changed')
      }
      const session = {
        principal: {
          userId: user.id,
          username: user.username,
          isAdmin: user.is_admin,
          keyId: null,
          scope: ALL_SCOPES,
          allowedModelNames: null,
        },
        renewedToken: shouldRenew(claims, clock.now()) ? await sign(user) : null,
        maxAgeSeconds: SESSION_SECONDS,
        passwordChangeRequired: user.require_password_change,
      }
      return { ok: true, session }
    },

    async issue(userId: number) {
      const user = await findSessionUser(db, userId)
      if (user === undefined) {
        throw new Error(`cannot issue a session: user ${userId} does not exist`)
      }
      return { token: await sign(user), maxAgeSeconds: SESSION_SECONDS }
    },
  }
}

function refused(reason: SessionRefusal): SessionVerification {
  return { ok: false, reason }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

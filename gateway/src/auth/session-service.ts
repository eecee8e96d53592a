import { timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Clock } from '../clock.js'
import type { Tables } from '../db/tables.js'
import { buildLimitPolicy, buildLimitSubjects } from '../limits/limit-policy.js'
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
  /** Signs new sessions and verifies them. */
  secret: Uint8Array
  /** The secret before a rotation: its sessions still verify, and are renewed with `secret` at once. */
  previousSecret?: Uint8Array
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
  const { db, secret, previousSecret, clock } = options

  const versionOf = (user: SessionUser, key = secret): string =>
    passwordVersion(key, user.password_stamp)
  const sign = (user: SessionUser): Promise<string> =>
    signSessionToken(secret, clock.now(), user.id, versionOf(user))

  /** The claims and which secret signed them; a token of the previous secret is tried only when the current fails. */
  async function read(token: string) {
    const claims = await readSessionToken(secret, clock.now(), token)
    if (claims !== 'invalid' || previousSecret === undefined) {
      return { claims, key: secret }
    }
    return {
      claims: await readSessionToken(previousSecret, clock.now(), token),
      key: previousSecret,
    }
  }

  return {
    async verify(token: string): Promise<SessionVerification> {
      const { claims, key } = await read(token)
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
      if (!sameText(claims.pwv, versionOf(user, key))) {
        return refused('password_changed')
      }
      // A session of the previous secret moves to the current one now, not when it nears its expiry.
      const renew = key !== secret || shouldRenew(claims, clock.now())
      const session = {
        principal: {
          userId: user.id,
          username: user.username,
          isAdmin: user.is_admin,
          keyId: null,
          scope: ALL_SCOPES,
          allowedModelNames: null,
          // A session's inference counts against its user's limits (it has no key of its own).
          limits: buildLimitSubjects({
            keyId: 0,
            keyPolicy: undefined,
            userId: user.id,
            userPolicy: buildLimitPolicy(user),
          }),
          allowedAddresses: null,
        },
        renewedToken: renew ? await sign(user) : null,
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

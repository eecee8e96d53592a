import { createHmac } from 'node:crypto'
import { errors, jwtVerify, SignJWT } from 'jose'
import { z } from 'zod'

/** Sessions last 120 minutes and are renewed when less than 15 remain. */
export const SESSION_SECONDS = 120 * 60
export const RENEW_BELOW_SECONDS = 15 * 60

export interface SessionClaims {
  userId: number
  /** Expiry, in seconds since the epoch. */
  exp: number
  /** Password version: ties the token to the password it was issued under. */
  pwv: string
}

const Claims = z.object({
  sub: z.string().regex(/^[1-9][0-9]{0,15}$/),
  exp: z.number(),
  pwv: z.string(),
})

/** An HS256 JWT with `sub` = user id, `iat`, `exp` (= iat + 120 minutes) and `pwv`. */
export function signSessionToken(
  secret: Uint8Array,
  nowMs: number,
  userId: number,
  pwv: string,
): Promise<string> {
  const nowSeconds = Math.floor(nowMs / 1000)
  return new SignJWT({ pwv })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(userId))
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + SESSION_SECONDS)
    .sign(secret)
}

/**
 * The claims of a valid, unexpired token signed with `secret`; 'expired' for one that was valid, 'invalid' for
 * anything else (never throws for a bad token).
 */
export async function readSessionToken(
  secret: Uint8Array,
  nowMs: number,
  token: string,
): Promise<SessionClaims | 'expired' | 'invalid'> {
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ['HS256'],
      currentDate: new Date(nowMs),
      requiredClaims: ['sub', 'exp', 'iat'],
    })
    const claims = Claims.safeParse(payload)
    return claims.success
      ? { userId: Number(claims.data.sub), exp: claims.data.exp, pwv: claims.data.pwv }
      : 'invalid'
  } catch (err) {
    // Malformed, forged or expired: an outcome, not an outage. jose checks the signature before the expiry.
    if (err instanceof errors.JWTExpired) {
      return 'expired'
    }
    if (err instanceof errors.JOSEError) {
      return 'invalid'
    }
    throw err
  }
}

export function shouldRenew(claims: SessionClaims, nowMs: number): boolean {
  return claims.exp - nowMs / 1000 < RENEW_BELOW_SECONDS
}

/**
 * The `pwv` claim: an HMAC (keyed by the session secret) of a stamp that changes whenever the password is set, so a
 * new password ends older sessions. Without the secret it reveals nothing about the password hash.
 */
export function passwordVersion(secret: Uint8Array, passwordStamp: string): string {
  return createHmac('sha256', secret).update(passwordStamp).digest('base64url').slice(0, 22)
}

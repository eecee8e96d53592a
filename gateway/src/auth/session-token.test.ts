import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  RENEW_BELOW_SECONDS,
  readSessionToken,
  SESSION_SECONDS,
  shouldRenew,
  signSessionToken,
} from './session-token.js'

const secret = new TextEncoder().encode('unit-test-secret-0123456789abcdef0123')
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0)
const MINUTE = 60_000

describe('session tokens', () => {
  it('carries the user id, password version and a 120-minute expiry', async () => {
    const token = await signSessionToken(secret, T0, 42, 'pwv-1')
    const claims = await readSessionToken(secret, T0, token)
    expect(claims).toEqual({ userId: 42, pwv: 'pwv-1', exp: T0 / 1000 + SESSION_SECONDS })
    expect(SESSION_SECONDS).toBe(7200)
  })

  it('is not renewed while more than 15 minutes remain', async () => {
    const token = await signSessionToken(secret, T0, 1, 'p')
    const at = T0 + (120 - 16) * MINUTE
    const claims = await readSessionToken(secret, at, token)
    if (typeof claims === 'string') {
      throw new Error(`token refused: ${claims}`)
    }
    expect(shouldRenew(claims, at)).toBe(false)
  })

  it('is renewed when less than 15 minutes remain', async () => {
    const token = await signSessionToken(secret, T0, 1, 'p')
    const at = T0 + (120 - 14) * MINUTE
    const claims = await readSessionToken(secret, at, token)
    if (typeof claims === 'string') {
      throw new Error(`token refused: ${claims}`)
    }
    expect(shouldRenew(claims, at)).toBe(true)
    expect(RENEW_BELOW_SECONDS).toBe(900)
  })

  it('refuses a token once it has expired', async () => {
    const token = await signSessionToken(secret, T0, 1, 'p')
    expect(await readSessionToken(secret, T0 + 119 * MINUTE, token)).toMatchObject({ userId: 1 })
    expect(await readSessionToken(secret, T0 + 121 * MINUTE, token)).toBe('expired')
  })

  it('calls an expired token with a wrong signature invalid, not expired', async () => {
    const other = new TextEncoder().encode('another-secret-0123456789abcdef01234567')
    const token = await signSessionToken(other, T0, 1, 'p')
    expect(await readSessionToken(secret, T0 + 121 * MINUTE, token)).toBe('invalid')
  })

  it('refuses a token signed with another secret', async () => {
    const other = new TextEncoder().encode('another-secret-0123456789abcdef01234567')
    const token = await signSessionToken(other, T0, 1, 'p')
    expect(await readSessionToken(secret, T0, token)).toBe('invalid')
  })

  it('refuses garbage, an unsigned token and a token without the password version', async () => {
    expect(await readSessionToken(secret, T0, 'not-a-jwt')).toBe('invalid')
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
    const body = Buffer.from(
      JSON.stringify({ sub: '1', pwv: 'p', iat: T0 / 1000, exp: T0 / 1000 + 60 }),
    ).toString('base64url')
    expect(await readSessionToken(secret, T0, `${header}.${body}.`)).toBe('invalid')
    const noPwv = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('1')
      .setIssuedAt(T0 / 1000)
      .setExpirationTime(T0 / 1000 + 60)
      .sign(secret)
    expect(await readSessionToken(secret, T0, noPwv)).toBe('invalid')
  })
})

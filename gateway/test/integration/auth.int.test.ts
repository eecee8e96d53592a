import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { passwordVersion, signSessionToken } from '../../src/auth/session-token.js'
import { seedUser } from '../support/seed.js'
import {
  ADMIN_PASSWORD,
  startGateway,
  startTestGateway,
  type TestGateway,
} from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

type Gw = TestGateway & { testDb: Awaited<ReturnType<typeof startTestGateway>>['testDb'] }

const TEST_SECRET = new TextEncoder().encode('test-session-secret-0123456789abcdef0123456789')

function jsonPost(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  }
}

/** The `name=value` part of the session Set-Cookie header, for sending back as a Cookie header. */
function sessionCookie(res: Response): string {
  const line = res.headers.getSetCookie().find((c) => c.startsWith('keygate_session='))
  if (line === undefined) {
    throw new Error('no session cookie set')
  }
  return line.split(';')[0] ?? ''
}

describe.each(dbTargets())('/auth on %s', (target) => {
  let gw: Gw
  const login = (username: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}/auth/login`, jsonPost({ username, password }, headers))
  const me = (cookie: string) => fetch(`${gw.url}/v2/users/me`, { headers: { cookie } })

  beforeAll(async () => {
    gw = await startTestGateway(target)
  })
  afterAll(async () => {
    await gw?.close()
  })

  describe('happy', () => {
    it('logs in with JSON and sets an HttpOnly, SameSite=Lax, 2-hour session cookie', async () => {
      const res = await login('admin', ADMIN_PASSWORD)
      expect(res.status).toBe(200)
      const setCookie = res.headers.getSetCookie().join('\n')
      expect(setCookie).toMatch(/^keygate_session=[^;]+;/)
      expect(setCookie).toContain('HttpOnly')
      expect(setCookie).toContain('SameSite=Lax')
      expect(setCookie).toContain('Path=/')
      expect(setCookie).toContain('Max-Age=7200')
      expect(setCookie).not.toContain('Secure')
      const body = (await res.json()) as Record<string, unknown>
      expect(body).toMatchObject({
        username: 'admin',
        is_admin: true,
        is_active: true,
        require_password_change: false,
      })
      expect(Object.keys(body).sort()).toEqual([
        'budget_period',
        'created_at',
        'full_name',
        'id',
        'is_active',
        'is_admin',
        'max_parallel_requests',
        'require_password_change',
        'rpm_limit',
        'token_budget',
        'tpm_limit',
        'updated_at',
        'username',
      ])
    })

    it('logs in with an urlencoded form post', async () => {
      const res = await fetch(`${gw.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'admin', password: ADMIN_PASSWORD }).toString(),
      })
      expect(res.status).toBe(200)
      expect((await me(sessionCookie(res))).status).toBe(200)
    })

    it('marks the cookie Secure behind an https proxy (X-Forwarded-Proto)', async () => {
      const res = await login('admin', ADMIN_PASSWORD, { 'x-forwarded-proto': 'https' })
      expect(res.status).toBe(200)
      expect(res.headers.getSetCookie().join('\n')).toContain('Secure')
    })

    it('accepts the session cookie on /v2 and on /v1', async () => {
      const cookie = sessionCookie(await login('admin', ADMIN_PASSWORD))
      const v2 = await me(cookie)
      expect(v2.status).toBe(200)
      expect(await v2.json()).toMatchObject({ username: 'admin' })
      const v1 = await fetch(`${gw.url}/v1/models`, { headers: { cookie } })
      expect(v1.status).toBe(200)
    })

    it('logs out by clearing the cookie', async () => {
      const res = await fetch(`${gw.url}/auth/logout`, { method: 'POST' })
      expect(res.status).toBe(204)
      const setCookie = res.headers.getSetCookie().join('\n')
      expect(setCookie).toMatch(/keygate_session=;/)
      expect(setCookie).toContain('Max-Age=0')
    })

    it('renews a session that has less than 15 minutes left', async () => {
      const admin = await gw.database.db
        .selectFrom('users')
        .select(['id', sql<string>`md5(password_hash)`.as('stamp')])
        .where('username', '=', 'admin')
        .executeTakeFirstOrThrow()
      const pwv = passwordVersion(TEST_SECRET, admin.stamp)
      const old = await signSessionToken(TEST_SECRET, Date.now() - 110 * 60_000, admin.id, pwv)
      const res = await me(`keygate_session=${old}`)
      expect(res.status).toBe(200)
      const renewed = sessionCookie(res)
      expect(renewed).not.toBe(`keygate_session=${old}`)
      expect(res.headers.getSetCookie().join('\n')).toContain('Max-Age=7200')
      const fresh = await signSessionToken(TEST_SECRET, Date.now() - 60 * 60_000, admin.id, pwv)
      const notYet = await me(`keygate_session=${fresh}`)
      expect(notYet.status).toBe(200)
      expect(notYet.headers.getSetCookie()).toEqual([])
    })
  })

  describe('errors', () => {
    it('answers a wrong password and an unknown user with the same 401 invalid_credentials', async () => {
      const wrong = await login('admin', 'not-the-password')
      const unknown = await login('nobody-here', 'not-the-password')
      expect(wrong.status).toBe(401)
      expect(unknown.status).toBe(401)
      const a = await wrong.json()
      expect(a).toEqual({
        error: {
          message: 'Incorrect username or password.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_credentials',
        },
      })
      expect(await unknown.json()).toEqual(a)
      expect(wrong.headers.getSetCookie()).toEqual([])
    })

    it('refuses an inactive user with the same 401, even with the right password', async () => {
      const u = await seedUser(gw.database.db, { isActive: false })
      const res = await login(u.username, u.password)
      expect(res.status).toBe(401)
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_credentials' } })
    })

    it('answers malformed JSON with 400 and a missing field with 422 naming it', async () => {
      const bad = await fetch(`${gw.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"username":',
      })
      expect(bad.status).toBe(400)
      expect(await bad.json()).toMatchObject({ error: { code: 'invalid_request' } })
      const missing = await fetch(`${gw.url}/auth/login`, jsonPost({ username: 'admin' }))
      expect(missing.status).toBe(422)
      expect(await missing.json()).toMatchObject({
        error: { code: 'validation_error', param: 'password' },
      })
    })

    it('throttles a username after 5 failures with 429 and Retry-After, even for the right password', async () => {
      const u = await seedUser(gw.database.db)
      for (let i = 0; i < 5; i++) {
        expect((await login(u.username, `wrong-${i}`)).status).toBe(401)
      }
      const res = await login(u.username, u.password)
      expect(res.status).toBe(429)
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(await res.json()).toMatchObject({
        error: { code: 'rate_limit_exceeded', type: 'requests' },
      })
      expect((await login(u.username.toUpperCase(), u.password)).status).toBe(429)
    })

    it('throttles a client address after 50 failures across usernames (on that replica)', async () => {
      const replica = await startGateway(gw.testDb)
      try {
        for (let i = 0; i < 50; i++) {
          const res = await fetch(
            `${replica.url}/auth/login`,
            jsonPost({ username: `ghost${i}`, password: 'x' }),
          )
          expect(res.status).toBe(401)
        }
        const res = await fetch(
          `${replica.url}/auth/login`,
          jsonPost({ username: 'admin', password: ADMIN_PASSWORD }),
        )
        expect(res.status).toBe(429)
        expect(res.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/)
      } finally {
        await replica.close()
      }
    })

    it('refuses an expired, forged or garbage session with 401', async () => {
      const admin = await gw.database.db
        .selectFrom('users')
        .select(['id', sql<string>`md5(password_hash)`.as('stamp')])
        .where('username', '=', 'admin')
        .executeTakeFirstOrThrow()
      const pwv = passwordVersion(TEST_SECRET, admin.stamp)
      const expired = await signSessionToken(TEST_SECRET, Date.now() - 121 * 60_000, admin.id, pwv)
      const forged = await signSessionToken(
        new TextEncoder().encode('some-other-secret-0123456789abcdef012345'),
        Date.now(),
        admin.id,
        pwv,
      )
      for (const [token, message] of [
        [expired, 'Your session has expired; log in again.'],
        [forged, 'Your session is not valid; log in again.'],
        ['garbage', 'Your session is not valid; log in again.'],
      ] as const) {
        const res = await me(`keygate_session=${token}`)
        expect(res.status).toBe(401)
        expect(await res.json()).toMatchObject({ error: { code: 'invalid_session', message } })
      }
    })
  })

  describe('security', () => {
    it('refuses a cross-site login form post with 403', async () => {
      const res = await fetch(`${gw.url}/auth/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'sec-fetch-site': 'cross-site',
          origin: 'https://evil.example',
        },
        body: new URLSearchParams({ username: 'admin', password: ADMIN_PASSWORD }).toString(),
      })
      expect(res.status).toBe(403)
      expect(await res.json()).toMatchObject({ error: { code: 'insufficient_permissions' } })
      expect(res.headers.getSetCookie()).toEqual([])
    })

    it('refuses a cross-site cookie POST on /v2 but accepts a same-origin one', async () => {
      const cookie = sessionCookie(await login('admin', ADMIN_PASSWORD))
      const body = { username: 'csrf-victim', password: 'long-enough-pw' }
      const cross = await fetch(
        `${gw.url}/v2/users`,
        jsonPost(body, { cookie, 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }),
      )
      expect(cross.status).toBe(403)
      const byOrigin = await fetch(
        `${gw.url}/v2/users`,
        jsonPost(body, { cookie, origin: 'https://evil.example' }),
      )
      expect(byOrigin.status).toBe(403)
      const created = await gw.database.db
        .selectFrom('users')
        .select('id')
        .where('username', '=', 'csrf-victim')
        .executeTakeFirst()
      expect(created).toBeUndefined()
      const same = await fetch(
        `${gw.url}/v2/users`,
        jsonPost(body, { cookie, 'sec-fetch-site': 'same-origin', origin: gw.url }),
      )
      expect(same.status).toBe(201)
    })

    it('refuses a cross-site update-password with 403 and leaves the password alone', async () => {
      const u = await seedUser(gw.database.db)
      const cookie = sessionCookie(await login(u.username, u.password))
      const res = await fetch(
        `${gw.url}/auth/update-password`,
        jsonPost(
          { current_password: u.password, new_password: 'evil-chosen-password' },
          { cookie, 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
        ),
      )
      expect(res.status).toBe(403)
      expect((await login(u.username, u.password)).status).toBe(200)
    })

    it('needs a session or a key for update-password', async () => {
      const res = await fetch(
        `${gw.url}/auth/update-password`,
        jsonPost({ current_password: 'x', new_password: 'long-enough-pw' }),
      )
      expect(res.status).toBe(401)
    })
  })

  describe('update-password', () => {
    it('checks the current password and the rules for the new one', async () => {
      const u = await seedUser(gw.database.db)
      const cookie = sessionCookie(await login(u.username, u.password))
      const post = (body: unknown) =>
        fetch(`${gw.url}/auth/update-password`, jsonPost(body, { cookie }))
      const wrong = await post({ current_password: 'wrong-password', new_password: 'brand-new-pw' })
      expect(wrong.status).toBe(422)
      expect(await wrong.json()).toMatchObject({
        error: { code: 'validation_error', param: 'current_password' },
      })
      const short = await post({ current_password: u.password, new_password: 'short' })
      expect(short.status).toBe(422)
      const shortBody = (await short.json()) as { error: { param: string; message: string } }
      expect(shortBody.error.param).toBe('new_password')
      expect(shortBody.error.message).not.toContain('short')
      const same = await post({ current_password: u.password, new_password: u.password })
      expect(same.status).toBe(422)
    })

    it('sets the password, clears require_password_change, and ends older sessions', async () => {
      const u = await seedUser(gw.database.db)
      await gw.database.db
        .updateTable('users')
        .set({ require_password_change: true })
        .where('id', '=', u.id)
        .execute()
      const first = await login(u.username, u.password)
      expect(await first.json()).toMatchObject({ require_password_change: true })
      const oldCookie = sessionCookie(first)
      const otherBrowser = sessionCookie(await login(u.username, u.password))
      const res = await fetch(
        `${gw.url}/auth/update-password`,
        jsonPost(
          { current_password: u.password, new_password: 'a-new-password-9' },
          { cookie: oldCookie, 'sec-fetch-site': 'same-origin' },
        ),
      )
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({
        username: u.username,
        require_password_change: false,
      })
      const newCookie = sessionCookie(res)
      expect((await me(newCookie)).status).toBe(200)
      expect((await me(oldCookie)).status).toBe(401)
      expect((await me(otherBrowser)).status).toBe(401)
      expect((await login(u.username, u.password)).status).toBe(401)
      expect((await login(u.username, 'a-new-password-9')).status).toBe(200)
      const audit = await gw.database.db
        .selectFrom('audit_events')
        .select(['action', sql<string>`details::text`.as('details')])
        .where('target_id', '=', String(u.id))
        .execute()
      expect(audit.map((a) => a.action)).toContain('user.change_password')
      expect(JSON.stringify(audit)).not.toContain('a-new-password-9')
    })
  })
})

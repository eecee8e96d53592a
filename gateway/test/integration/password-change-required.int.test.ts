import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ProxyFixture, startProxyFixture } from '../support/proxy-fixture.js'
import { seedKey, seedUser } from '../support/seed.js'
import { dbTargets } from '../support/test-db.js'

type Envelope = { error: { code: string; message: string; type: string } }

/**
 * A session whose user must change their password (the generated admin password, an admin's reset) may read
 * itself, change the password and log out; the server refuses everything else, not only the UI. Bearer keys of
 * the same user are unaffected.
 */
describe.each(dbTargets())('a session that must change its password on %s', (target) => {
  let f: ProxyFixture
  let user: { id: number; username: string; password: string }
  let userKey: string

  beforeAll(async () => {
    f = await startProxyFixture(target)
    const db = f.gw.database.db
    user = await seedUser(db, { username: 'newcomer', isAdmin: true })
    await db
      .updateTable('users')
      .set({ require_password_change: true })
      .where('id', '=', user.id)
      .execute()
    userKey = (await seedKey(db, { userId: user.id, scope: ['management', 'inference'] })).value
    await f.gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await f?.close()
  })

  async function login(password: string): Promise<string> {
    const res = await fetch(`${f.gw.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password }),
    })
    expect(res.status).toBe(200)
    const line = res.headers.getSetCookie().find((c) => c.startsWith('keygate_session=')) ?? ''
    return line.split(';')[0] ?? ''
  }

  const call = (cookie: string, method: string, path: string, body?: unknown) =>
    fetch(`${f.gw.url}${path}`, {
      method,
      headers: {
        cookie,
        'sec-fetch-site': 'same-origin',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })

  const keyCount = async () =>
    (await f.gw.database.db.selectFrom('api_keys').select('id').execute()).length

  it('may read itself, but every other route answers 403 password_change_required', async () => {
    const cookie = await login(user.password)
    const me = await call(cookie, 'GET', '/v2/users/me')
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ require_password_change: true })

    const before = await keyCount()
    for (const [method, path, body] of [
      ['GET', '/v2/api-keys', undefined],
      ['POST', '/v2/api-keys', { name: 'sneaky' }],
      ['POST', '/v2/models', { name: 'sneaky-model' }],
      ['GET', '/v2/users', undefined],
      ['GET', '/v1/models', undefined],
      ['POST', '/v1/chat/completions', { model: 'chat-vllm', messages: [] }],
    ] as const) {
      const res = await call(cookie, method, path, body)
      const json = (await res.json()) as Envelope
      expect([method, path, res.status, json.error.code, json.error.type]).toEqual([
        method,
        path,
        403,
        'password_change_required',
        'permission_error',
      ])
    }
    expect(await keyCount()).toBe(before)
    expect(f.vllm.requests.filter((r) => r.method === 'POST')).toEqual([])
  })

  it('leaves the same user’s bearer keys working', async () => {
    const res = await fetch(`${f.gw.url}/v2/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'made-by-key' }),
    })
    expect(res.status).toBe(201)
  })

  it('is lifted by changing the password; the old session then says why it ended', async () => {
    const cookie = await login(user.password)
    const changed = await call(cookie, 'POST', '/auth/update-password', {
      current_password: user.password,
      new_password: 'a-password-of-my-own',
    })
    expect(changed.status).toBe(200)
    expect(await changed.json()).toMatchObject({ require_password_change: false })

    const stale = await call(cookie, 'GET', '/v2/users/me')
    expect(stale.status).toBe(401)
    expect(await stale.json()).toMatchObject({
      error: {
        code: 'invalid_session',
        message: 'Your session ended because the password was changed; log in again.',
      },
    })

    const fresh = await login('a-password-of-my-own')
    const created = await call(fresh, 'POST', '/v2/api-keys', { name: 'after-change' })
    expect(created.status).toBe(201)
    const logout = await call(fresh, 'POST', '/auth/logout')
    expect(logout.status).toBe(204)
  })
})

import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedKey, seedUser } from '../support/seed.js'
import { ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

interface UserBody {
  id: number
  username: string
  full_name: string
  is_admin: boolean
  is_active: boolean
  require_password_change: boolean
}

function sessionCookie(res: Response): string {
  const line = res.headers.getSetCookie().find((c) => c.startsWith('keygate_session='))
  if (line === undefined) {
    throw new Error('no session cookie set')
  }
  return line.split(';')[0] ?? ''
}

/** A client of one gateway acting with one credential: a session cookie or a bearer key. */
function client(gw: TestGateway, credential: { cookie: string } | { key: string }) {
  const auth: Record<string, string> =
    'cookie' in credential
      ? { cookie: credential.cookie, 'sec-fetch-site': 'same-origin' }
      : { authorization: `Bearer ${credential.key}` }
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${gw.url}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown) => call('POST', path, body),
    put: (path: string, body: unknown) => call('PUT', path, body),
    del: (path: string) => call('DELETE', path),
  }
}

async function loginCookie(gw: TestGateway, username: string, password: string): Promise<string> {
  const res = await fetch(`${gw.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  expect(res.status).toBe(200)
  return sessionCookie(res)
}

describe.each(dbTargets())('/v2/users on %s', (target) => {
  let gw: TestGateway
  let admin: ReturnType<typeof client>
  let adminId: number

  beforeAll(async () => {
    gw = await startTestGateway(target)
    admin = client(gw, { cookie: await loginCookie(gw, 'admin', ADMIN_PASSWORD) })
    adminId = ((await (await admin.get('/v2/users/me')).json()) as UserBody).id
  })
  afterAll(async () => {
    await gw?.close()
  })

  describe('happy', () => {
    it('creates, reads, edits and deletes a user as an admin', async () => {
      const created = await admin.post('/v2/users', {
        username: 'grace',
        password: 'grace-password-1',
        full_name: 'Grace Hopper',
      })
      expect(created.status).toBe(201)
      const grace = (await created.json()) as UserBody
      expect(grace).toMatchObject({
        username: 'grace',
        full_name: 'Grace Hopper',
        is_admin: false,
        is_active: true,
        require_password_change: false,
      })
      expect(JSON.stringify(grace)).not.toContain('password_hash')

      const got = await admin.get(`/v2/users/${grace.id}`)
      expect(got.status).toBe(200)
      expect(await got.json()).toEqual(grace)

      const edited = await admin.put(`/v2/users/${grace.id}`, { full_name: 'Rear Admiral Hopper' })
      expect(edited.status).toBe(200)
      expect(await edited.json()).toMatchObject({ full_name: 'Rear Admiral Hopper' })

      const reset = await admin.put(`/v2/users/${grace.id}`, { password: 'temporary-pass-2' })
      expect(await reset.json()).toMatchObject({ require_password_change: true })
      await loginCookie(gw, 'grace', 'temporary-pass-2')

      expect((await admin.del(`/v2/users/${grace.id}`)).status).toBe(204)
      expect((await admin.get(`/v2/users/${grace.id}`)).status).toBe(404)
    })

    it('lists users with search and pagination', async () => {
      for (const name of ['list-ann', 'list-bob', 'list-cyd']) {
        await seedUser(gw.database.db, { username: name })
      }
      const res = await admin.get('/v2/users?search=LIST-&perPage=2&page=1&sort_by=username')
      expect(res.status).toBe(200)
      const body = (await res.json()) as {
        items: UserBody[]
        pagination: Record<string, number>
      }
      expect(body.items.map((u) => u.username)).toEqual(['list-ann', 'list-bob'])
      expect(body.pagination).toEqual({ page: 1, perPage: 2, total: 3, totalPage: 2 })
      const page2 = (await (
        await admin.get('/v2/users?search=list-&perPage=2&page=2&sort_by=username')
      ).json()) as { items: UserBody[] }
      expect(page2.items.map((u) => u.username)).toEqual(['list-cyd'])
      const underscore = (await (await admin.get('/v2/users?search=list_')).json()) as {
        items: UserBody[]
      }
      expect(underscore.items).toEqual([])
    })

    it('answers /v2/users/me for a regular user and for their management key', async () => {
      const u = await seedUser(gw.database.db)
      const session = client(gw, { cookie: await loginCookie(gw, u.username, u.password) })
      expect(await (await session.get('/v2/users/me')).json()).toMatchObject({
        id: u.id,
        username: u.username,
        is_admin: false,
      })
      const key = await seedKey(gw.database.db, { userId: u.id, scope: ['management'] })
      await gw.deps.changes.catchUp()
      const viaKey = await client(gw, { key: key.value }).get('/v2/users/me')
      expect(viaKey.status).toBe(200)
      expect(await viaKey.json()).toMatchObject({ id: u.id })
    })

    it('lets an admin management key use the admin routes', async () => {
      const key = await seedKey(gw.database.db, { userId: adminId, scope: ['management'] })
      await gw.deps.changes.catchUp()
      expect((await client(gw, { key: key.value }).get('/v2/users')).status).toBe(200)
    })
  })

  describe('errors', () => {
    it('refuses a duplicate username with 409', async () => {
      await seedUser(gw.database.db, { username: 'taken' })
      const res = await admin.post('/v2/users', { username: 'taken', password: 'password-123' })
      expect(res.status).toBe(409)
      expect(await res.json()).toMatchObject({ error: { code: 'conflict', param: 'username' } })
    })

    it('refuses bad input with 422 naming the field, and malformed JSON with 400', async () => {
      const cases: [unknown, string][] = [
        [{ username: 'has space', password: 'password-123' }, 'username'],
        [{ username: 'ok-name', password: 'short' }, 'password'],
        [{ username: 'ok-name' }, 'password'],
        [{ username: 'ok-name', password: 'password-123', is_admin: 'yes' }, 'is_admin'],
        [{ username: 'ok-name', password: 'password-123', isAdmin: true }, 'isAdmin'],
      ]
      for (const [body, param] of cases) {
        const res = await admin.post('/v2/users', body)
        expect(res.status).toBe(422)
        expect(await res.json()).toMatchObject({ error: { code: 'validation_error', param } })
      }
      const malformed = await admin.post('/v2/users', '{"username":')
      expect(malformed.status).toBe(400)
      expect(await malformed.json()).toMatchObject({ error: { code: 'invalid_request' } })
      const badPut = await admin.put(`/v2/users/${adminId}`, { is_active: 'no' })
      expect(badPut.status).toBe(422)
      const badQuery = await admin.get('/v2/users?perPage=0')
      expect(badQuery.status).toBe(422)
    })

    it('answers 404 for a user that does not exist', async () => {
      expect((await admin.get('/v2/users/999999')).status).toBe(404)
      expect((await admin.get('/v2/users/abc')).status).toBe(404)
      expect((await admin.put('/v2/users/999999', { full_name: 'x' })).status).toBe(404)
      expect((await admin.del('/v2/users/999999')).status).toBe(404)
    })

    it('refuses to let an admin demote, deactivate or delete themself (422)', async () => {
      const demote = await admin.put(`/v2/users/${adminId}`, { is_admin: false })
      expect(demote.status).toBe(422)
      expect(await demote.json()).toMatchObject({
        error: { code: 'validation_error', param: 'is_admin' },
      })
      const deactivate = await admin.put(`/v2/users/${adminId}`, { is_active: false })
      expect(await deactivate.json()).toMatchObject({ error: { param: 'is_active' } })
      expect((await admin.del(`/v2/users/${adminId}`)).status).toBe(422)
      expect(await (await admin.get('/v2/users/me')).json()).toMatchObject({
        is_admin: true,
        is_active: true,
      })
    })
  })

  describe('security', () => {
    it('gives a regular user session 403 on every admin-only route', async () => {
      const u = await seedUser(gw.database.db)
      const user = client(gw, { cookie: await loginCookie(gw, u.username, u.password) })
      const responses = await Promise.all([
        user.get('/v2/users'),
        user.post('/v2/users', { username: 'sneaky', password: 'password-123' }),
        user.get(`/v2/users/${u.id}`),
        user.put(`/v2/users/${u.id}`, { is_admin: true }),
        user.del(`/v2/users/${adminId}`),
      ])
      for (const res of responses) {
        expect(res.status).toBe(403)
        expect(await res.json()).toMatchObject({ error: { code: 'insufficient_permissions' } })
      }
      expect(await (await user.get('/v2/users/me')).json()).toMatchObject({ is_admin: false })
    })

    it("gives a regular user's management key 403 on admin-only routes", async () => {
      const u = await seedUser(gw.database.db)
      const key = await seedKey(gw.database.db, { userId: u.id, scope: ['management'] })
      await gw.deps.changes.catchUp()
      const viaKey = client(gw, { key: key.value })
      expect((await viaKey.get('/v2/users')).status).toBe(403)
      expect((await viaKey.put(`/v2/users/${u.id}`, { is_admin: true })).status).toBe(403)
    })

    it('gives an inference-only key 403 on /v2/users/me', async () => {
      const key = await seedKey(gw.database.db, { userId: adminId, scope: ['inference'] })
      await gw.deps.changes.catchUp()
      expect((await client(gw, { key: key.value }).get('/v2/users/me')).status).toBe(403)
    })

    it('deactivating a user refuses their key and their session at once, and re-activating restores the key', async () => {
      const u = await seedUser(gw.database.db)
      const key = await seedKey(gw.database.db, { userId: u.id, scope: ['management'] })
      await gw.deps.changes.catchUp()
      const viaKey = client(gw, { key: key.value })
      const viaSession = client(gw, { cookie: await loginCookie(gw, u.username, u.password) })
      expect((await viaKey.get('/v2/users/me')).status).toBe(200)
      expect((await viaSession.get('/v2/users/me')).status).toBe(200)

      const off = await admin.put(`/v2/users/${u.id}`, { is_active: false })
      expect(off.status).toBe(200)
      expect(await off.json()).toMatchObject({ is_active: false })
      const refused = await viaKey.get('/v2/users/me')
      expect(refused.status).toBe(401)
      expect(await refused.json()).toMatchObject({
        error: { code: 'invalid_api_key', message: "This API key's owner is deactivated." },
      })
      const sessionRefused = await viaSession.get('/v2/users/me')
      expect(sessionRefused.status).toBe(401)
      expect(await sessionRefused.json()).toMatchObject({
        error: { code: 'invalid_session', message: 'Your account has been deactivated.' },
      })

      expect((await admin.put(`/v2/users/${u.id}`, { is_active: true })).status).toBe(200)
      expect((await viaKey.get('/v2/users/me')).status).toBe(200)
    })

    it('deleting a user deletes their keys and refuses them at once', async () => {
      const u = await seedUser(gw.database.db)
      const key = await seedKey(gw.database.db, { userId: u.id, scope: ['management'] })
      await gw.deps.changes.catchUp()
      const viaKey = client(gw, { key: key.value })
      expect((await viaKey.get('/v2/users/me')).status).toBe(200)
      expect((await admin.del(`/v2/users/${u.id}`)).status).toBe(204)
      expect((await viaKey.get('/v2/users/me')).status).toBe(401)
      const keys = await gw.database.db
        .selectFrom('api_keys')
        .select('id')
        .where('user_id', '=', u.id)
        .execute()
      expect(keys).toEqual([])
    })

    it("takes admin rights away from a demoted admin's session and key at once", async () => {
      const b = await seedUser(gw.database.db, { isAdmin: true })
      const key = await seedKey(gw.database.db, { userId: b.id, scope: ['management'] })
      await gw.deps.changes.catchUp()
      const session = client(gw, { cookie: await loginCookie(gw, b.username, b.password) })
      const viaKey = client(gw, { key: key.value })
      expect((await session.get('/v2/users')).status).toBe(200)
      expect((await viaKey.get('/v2/users')).status).toBe(200)
      expect((await admin.put(`/v2/users/${b.id}`, { is_admin: false })).status).toBe(200)
      expect((await session.get('/v2/users')).status).toBe(403)
      expect((await viaKey.get('/v2/users')).status).toBe(403)
    })

    it('records audit events and cache events without any password', async () => {
      const created = (await (
        await admin.post('/v2/users', { username: 'audited', password: 'audited-secret-pw' })
      ).json()) as UserBody
      await admin.put(`/v2/users/${created.id}`, { is_active: false, password: 'other-secret-pw' })
      await admin.del(`/v2/users/${created.id}`)
      const audit = await gw.database.db
        .selectFrom('audit_events')
        .select(['action', 'actor_user_id', sql<string>`details::text`.as('details')])
        .where('target_type', '=', 'user')
        .where('target_id', '=', String(created.id))
        .orderBy('id')
        .execute()
      expect(audit.map((a) => a.action)).toEqual(['user.create', 'user.update', 'user.delete'])
      expect(audit.every((a) => a.actor_user_id === adminId)).toBe(true)
      expect(audit[1]?.details).toContain('password')
      const text = JSON.stringify(audit)
      expect(text).not.toContain('audited-secret-pw')
      expect(text).not.toContain('other-secret-pw')
      expect(text).not.toContain('scrypt$')
      const events = await gw.database.db
        .selectFrom('cache_events')
        .select('kind')
        .where('kind', '=', 'user')
        .where('target', '=', String(created.id))
        .execute()
      expect(events.length).toBe(2)
    })
  })
})

describe.each(dbTargets())('last active admin on %s', (target) => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startTestGateway(target)
  })
  afterAll(async () => {
    await gw?.close()
  })

  it('two admins demoting each other at once leave exactly one active admin', async () => {
    const a = await seedUser(gw.database.db, { isAdmin: true })
    const b = await seedUser(gw.database.db, { isAdmin: true })
    const asA = client(gw, { cookie: await loginCookie(gw, a.username, a.password) })
    const asB = client(gw, { cookie: await loginCookie(gw, b.username, b.password) })
    const admin = await gw.database.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'admin')
      .executeTakeFirstOrThrow()
    expect((await asA.put(`/v2/users/${admin.id}`, { is_admin: false })).status).toBe(200)

    const [ab, ba] = await Promise.all([
      asA.put(`/v2/users/${b.id}`, { is_admin: false }),
      asB.put(`/v2/users/${a.id}`, { is_admin: false }),
    ])
    const statuses = [ab.status, ba.status].sort()
    expect(statuses[0]).toBe(200)
    expect([403, 422]).toContain(statuses[1])
    const admins = await gw.database.db
      .selectFrom('users')
      .select('id')
      .where('is_admin', '=', true)
      .where('is_active', '=', true)
      .execute()
    expect(admins.length).toBe(1)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiKey } from '../../src/keys/api-key-view.js'
import { seedKey, seedUser } from '../support/seed.js'
import { startTestGateway } from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

type Json = Record<string, unknown> & {
  error?: { code: string; param: string | null; message: string; type: string }
}

describe.each(dbTargets())('API key permissions on %s', (target) => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>
  let admin: { id: number; key: string }
  let alice: { id: number; key: string }
  let bob: { id: number; key: string }

  async function call(key: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, text, json: (text === '' ? {} : JSON.parse(text)) as Json }
  }

  /** Inference routes belong to another part; until /v1/models exists, a 404 route miss proves auth passed. */
  async function inference(key: string) {
    const res = await call(key, 'GET', '/v1/models')
    const allowed =
      res.status === 200 || (res.status === 404 && res.json.error?.code === 'not_found')
    return allowed ? { status: 'allowed' as const, json: res.json } : res
  }

  async function userWithKey(isAdmin: boolean) {
    const user = await seedUser(gw.database.db, { isAdmin })
    const key = await seedKey(gw.database.db, {
      userId: user.id,
      scope: ['management', 'inference'],
    })
    return { id: user.id, key: key.value }
  }

  async function createKey(owner: { key: string }, body: Record<string, unknown>) {
    const res = await call(owner.key, 'POST', '/v2/api-keys', body)
    expect(res.status).toBe(201)
    return { id: res.json.id as number, value: res.json.value as string }
  }

  beforeAll(async () => {
    gw = await startTestGateway(target)
    admin = await userWithKey(true)
    alice = await userWithKey(false)
    bob = await userWithKey(false)
    await gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await gw?.close()
  })

  describe('security: one user and another', () => {
    it("hides another user's key: GET, PUT and DELETE answer 404", async () => {
      const bobs = await createKey(bob, { name: 'bobs-secret-key' })
      for (const [method, body] of [
        ['GET', undefined],
        ['PUT', { description: 'hijacked' }],
        ['DELETE', undefined],
      ] as const) {
        const res = await call(alice.key, method, `/v2/api-keys/${bobs.id}`, body)
        expect(res.status, method).toBe(404)
        expect(res.json.error?.code).toBe('not_found')
      }
      const still = await call(bob.key, 'GET', `/v2/api-keys/${bobs.id}`)
      expect(still.json).toMatchObject({ description: '', name: 'bobs-secret-key' })
      expect(await inference(bobs.value)).toMatchObject({ status: 'allowed' })
      const list = await call(alice.key, 'GET', '/v2/api-keys?search=bobs')
      expect(list.json.items).toEqual([])
    })

    it('lets an admin see, edit and delete any key', async () => {
      const bobs = await createKey(bob, { name: 'admin-target' })
      const got = await call(admin.key, 'GET', `/v2/api-keys/${bobs.id}`)
      expect(got.json).toMatchObject({ user_id: bob.id })
      const put = await call(admin.key, 'PUT', `/v2/api-keys/${bobs.id}`, { is_active: false })
      expect(put.json).toMatchObject({ is_active: false, user_id: bob.id })
      expect(await inference(bobs.value)).toMatchObject({ status: 401 })
      expect((await call(admin.key, 'DELETE', `/v2/api-keys/${bobs.id}`)).status).toBe(204)
      expect((await call(bob.key, 'GET', `/v2/api-keys/${bobs.id}`)).status).toBe(404)
      const audit = await gw.database.db
        .selectFrom('audit_events')
        .select(['actor_user_id', 'action'])
        .where('target_id', '=', String(bobs.id))
        .where('action', '!=', 'api_key.create')
        .execute()
      expect(audit.every((a) => a.actor_user_id === admin.id)).toBe(true)
    })

    it("lists an admin's own keys by default, everyone's with user_id=*, one user's with user_id=N", async () => {
      await createKey(admin, { name: 'admins-own' })
      await createKey(alice, { name: 'alices-listed' })
      const own = await call(admin.key, 'GET', '/v2/api-keys?perPage=1000')
      const ownItems = own.json.items as ApiKey[]
      expect(ownItems.length).toBeGreaterThan(0)
      expect(ownItems.every((k) => k.user_id === admin.id)).toBe(true)
      const all = await call(admin.key, 'GET', '/v2/api-keys?user_id=*&perPage=1000')
      const owners = new Set((all.json.items as ApiKey[]).map((k) => k.user_id))
      expect(owners).toEqual(new Set([admin.id, alice.id, bob.id]))
      const alices = await call(admin.key, 'GET', `/v2/api-keys?user_id=${alice.id}`)
      expect((alices.json.items as ApiKey[]).every((k) => k.user_id === alice.id)).toBe(true)
      expect((alices.json.items as ApiKey[]).map((k) => k.name)).toContain('alices-listed')
    })

    it('creates a key for the admin themself, never for another user', async () => {
      const res = await call(admin.key, 'POST', '/v2/api-keys', { name: 'x', user_id: alice.id })
      expect(res.status).toBe(422)
      expect(res.json.error?.param).toBe('user_id')
      const mine = await createKey(admin, { name: 'admin-created' })
      const got = await call(admin.key, 'GET', `/v2/api-keys/${mine.id}`)
      expect(got.json.user_id).toBe(admin.id)
    })
  })

  describe('security: scopes', () => {
    it("gives a user's management key exactly the owner's rights: no admin-only routes", async () => {
      const mgmt = await createKey(alice, { name: 'alice-mgmt', scope: ['management'] })
      const res = await call(mgmt.value, 'GET', '/v2/users')
      expect(res.status).toBe(403)
      expect(res.json.error?.code).toBe('insufficient_permissions')
      expect((await call(mgmt.value, 'GET', '/v2/api-keys')).status).toBe(200)
      const adminMgmt = await createKey(admin, { name: 'admin-mgmt', scope: ['management'] })
      expect((await call(adminMgmt.value, 'GET', '/v2/users')).status).toBe(200)
    })

    it('lets a key with no scope authenticate but answers 403 on /v1 and /v2', async () => {
      const none = await createKey(alice, { name: 'no-scope', scope: [] })
      for (const path of ['/v1/models', '/v2/api-keys']) {
        const res = await call(none.value, 'GET', path)
        expect(res.status, path).toBe(403)
        expect(res.json.error?.code).toBe('insufficient_permissions')
      }
    })

    it('keeps an inference-only key out of /v2 with 403', async () => {
      const inf = await createKey(alice, { name: 'inference-only' })
      const res = await call(inf.value, 'GET', '/v2/api-keys')
      expect(res.status).toBe(403)
      expect(res.json.error?.message).toMatch(/Platform Management/)
      expect(await inference(inf.value)).toMatchObject({ status: 'allowed' })
    })

    it('keeps a management-only key out of /v1 with 403', async () => {
      const mgmt = await createKey(alice, { name: 'management-only', scope: ['management'] })
      expect(await inference(mgmt.value)).toMatchObject({ status: 403 })
    })
  })

  describe('security: revoked keys', () => {
    it('rejects an expired key with 401 invalid_api_key saying it expired', async () => {
      const user = await seedUser(gw.database.db)
      const expired = await seedKey(gw.database.db, {
        userId: user.id,
        scope: ['management', 'inference'],
        expiresAt: new Date(Date.now() - 1000),
      })
      await gw.deps.changes.catchUp()
      const res = await call(expired.value, 'GET', '/v2/api-keys')
      expect(res.status).toBe(401)
      expect(res.json.error).toMatchObject({ code: 'invalid_api_key', param: null })
      expect(res.json.error?.message).toMatch(/expired/)
    })

    it('rejects a key whose expiry is moved into the past, and accepts it again when extended', async () => {
      const key = await createKey(alice, { name: 'shortened', scope: ['management'] })
      expect((await call(key.value, 'GET', '/v2/api-keys')).status).toBe(200)
      const past = new Date(Date.now() - 60_000).toISOString()
      await call(alice.key, 'PUT', `/v2/api-keys/${key.id}`, { expires_at: past })
      const res = await call(key.value, 'GET', '/v2/api-keys')
      expect(res.status).toBe(401)
      expect(res.json.error?.message).toMatch(/expired/)
      const future = new Date(Date.now() + 3_600_000).toISOString()
      await call(alice.key, 'PUT', `/v2/api-keys/${key.id}`, { expires_at: future })
      expect((await call(key.value, 'GET', '/v2/api-keys')).status).toBe(200)
    })

    it('rejects a disabled key saying it is disabled, and accepts it once re-enabled', async () => {
      const key = await createKey(alice, { name: 'toggled' })
      await call(alice.key, 'PUT', `/v2/api-keys/${key.id}`, { is_active: false })
      const res = await call(key.value, 'GET', '/v1/models')
      expect(res.status).toBe(401)
      expect(res.json.error).toMatchObject({ code: 'invalid_api_key' })
      expect(res.json.error?.message).toMatch(/disabled/)
      await call(alice.key, 'PUT', `/v2/api-keys/${key.id}`, { is_active: true })
      expect(await inference(key.value)).toMatchObject({ status: 'allowed' })
    })

    it('rejects a deleted key with 401 invalid_api_key', async () => {
      const key = await createKey(alice, { name: 'deleted-soon' })
      expect(await inference(key.value)).toMatchObject({ status: 'allowed' })
      await call(alice.key, 'DELETE', `/v2/api-keys/${key.id}`)
      const res = await call(key.value, 'GET', '/v1/models')
      expect(res.status).toBe(401)
      expect(res.json.error?.code).toBe('invalid_api_key')
    })

    it('rejects every key of a deactivated user at once, and accepts them after reactivation', async () => {
      const carol = await userWithKey(false)
      await gw.deps.changes.catchUp()
      const extra = await createKey(carol, { name: 'carol-extra' })
      expect(await inference(extra.value)).toMatchObject({ status: 'allowed' })
      const off = await call(admin.key, 'PUT', `/v2/users/${carol.id}`, { is_active: false })
      expect(off.status).toBe(200)
      for (const value of [carol.key, extra.value]) {
        const res = await call(value, 'GET', '/v1/models')
        expect(res.status).toBe(401)
        expect(res.json.error?.code).toBe('invalid_api_key')
      }
      await call(admin.key, 'PUT', `/v2/users/${carol.id}`, { is_active: true })
      expect(await inference(extra.value)).toMatchObject({ status: 'allowed' })
    })

    it('rejects the keys of a deleted user', async () => {
      const dan = await userWithKey(false)
      await gw.deps.changes.catchUp()
      expect((await call(dan.key, 'GET', '/v2/api-keys')).status).toBe(200)
      expect((await call(admin.key, 'DELETE', `/v2/users/${dan.id}`)).status).toBe(204)
      expect((await call(dan.key, 'GET', '/v2/api-keys')).status).toBe(401)
    })
  })
})

import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ALL_SCOPES, type Principal } from '../../src/auth/principal.js'
import { seedKey, seedModel, seedUser } from '../support/seed.js'
import { startGateway, startTestGateway } from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

type Json = Record<string, unknown> & {
  error?: { code: string; param: string | null; message: string; type: string }
}

describe.each(dbTargets())('/v2/models on %s', (target) => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>
  let admin: { id: number; key: string }
  let alice: { id: number; key: string }
  let bob: { id: number; key: string }
  /** Alice's management key limited to two model names. */
  let aliceLimitedKey: string

  async function call(key: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, text, json: (text === '' ? {} : JSON.parse(text)) as Json }
  }

  const names = (json: Json) => (json.items as { name: string }[]).map((m) => m.name)

  async function userWithKey(isAdmin: boolean) {
    const user = await seedUser(gw.database.db, { isAdmin })
    const key = await seedKey(gw.database.db, {
      userId: user.id,
      scope: ['management', 'inference'],
    })
    return { id: user.id, key: key.value }
  }

  beforeAll(async () => {
    gw = await startTestGateway(target)
    admin = await userWithKey(true)
    alice = await userWithKey(false)
    bob = await userWithKey(false)
    aliceLimitedKey = (
      await seedKey(gw.database.db, {
        userId: alice.id,
        scope: ['management'],
        allowedModelNames: ['open-a', 'alice-only'],
      })
    ).value
    await seedModel(gw.database.db, {
      name: 'open-a',
      instances: [{ url: 'http://10.0.0.1:8000' }],
    })
    await seedModel(gw.database.db, { name: 'open-b' })
    await seedModel(gw.database.db, {
      name: 'alice-only',
      accessPolicy: 'allowed_users',
      grantUserIds: [alice.id],
    })
    await gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await gw?.close()
  })

  describe('happy', () => {
    it('creates a model with its instances and shows it at once, api key as has_api_key only', async () => {
      const res = await call(admin.key, 'POST', '/v2/models', {
        name: 'created-1',
        description: 'first',
        backend: 'llama.cpp',
        upstream_model_name: 'qwen2.5-7b',
        instances: [
          { url: 'http://10.0.3.7:8000/', weight: 2, worker: 'gpu-1', api_key: 'engine-secret-1' },
          { url: 'http://10.0.3.8:8000' },
        ],
      })
      expect(res.status).toBe(201)
      expect(res.json).toMatchObject({
        name: 'created-1',
        description: 'first',
        backend: 'llama.cpp',
        upstream_model_name: 'qwen2.5-7b',
        access_policy: 'authed',
        allowed_user_ids: [],
        managed_by: 'api',
        health: 'unknown',
        instances: [
          {
            url: 'http://10.0.3.7:8000',
            weight: 2,
            worker: 'gpu-1',
            has_api_key: true,
            health: 'unknown',
          },
          { url: 'http://10.0.3.8:8000', weight: 1, worker: '', has_api_key: false },
        ],
      })
      expect(res.text).not.toContain('engine-secret-1')
      const target = gw.deps.models.resolve(principalOf(alice.id), 'created-1')
      expect(target?.upstreamModelName).toBe('qwen2.5-7b')
      expect(target?.instances.map((i) => i.apiKey)).toEqual(['engine-secret-1', null])
      const got = await call(admin.key, 'GET', `/v2/models/${res.json.id}`)
      // Health is live: the background probe may have reached these (unreachable) addresses meanwhile.
      const instances = res.json.instances as object[]
      expect(got.json).toEqual({
        ...res.json,
        health: expect.any(String),
        instances: instances.map((i) => ({ ...i, health: expect.any(String) })),
      })
    })

    it('edits only the fields sent and keeps an instance api key when its URL stays', async () => {
      const created = await call(admin.key, 'POST', '/v2/models', {
        name: 'edit-me',
        instances: [{ url: 'http://10.0.4.1:8000', api_key: 'engine-secret-2' }],
      })
      const id = created.json.id as number
      const instanceId = (created.json.instances as { id: number }[])[0]?.id
      const res = await call(admin.key, 'PUT', `/v2/models/${id}`, {
        description: 'edited',
        instances: [{ url: 'http://10.0.4.1:8000', weight: 5 }, { url: 'http://10.0.4.2:8000' }],
      })
      expect(res.status).toBe(200)
      expect(res.json).toMatchObject({ name: 'edit-me', description: 'edited', backend: 'vllm' })
      expect(res.json.instances).toMatchObject([
        { id: instanceId, url: 'http://10.0.4.1:8000', weight: 5, has_api_key: true },
        { url: 'http://10.0.4.2:8000', has_api_key: false },
      ])
      const cleared = await call(admin.key, 'PUT', `/v2/models/${id}`, {
        instances: [{ url: 'http://10.0.4.1:8000', api_key: null }],
      })
      expect(cleared.json.instances).toMatchObject([{ id: instanceId, has_api_key: false }])
    })

    it('renames a model and the registry follows before the answer', async () => {
      const created = await call(admin.key, 'POST', '/v2/models', { name: 'old-name' })
      await call(admin.key, 'PUT', `/v2/models/${created.json.id}`, { name: 'new-name' })
      expect(gw.deps.models.resolve(principalOf(bob.id), 'old-name')).toBeUndefined()
      expect(gw.deps.models.resolve(principalOf(bob.id), 'new-name')?.id).toBe(created.json.id)
    })

    it('deletes a model: 204, then 404, and calls to it stop resolving', async () => {
      const created = await call(admin.key, 'POST', '/v2/models', { name: 'delete-me' })
      const res = await call(admin.key, 'DELETE', `/v2/models/${created.json.id}`)
      expect(res.status).toBe(204)
      expect(res.text).toBe('')
      expect((await call(admin.key, 'GET', `/v2/models/${created.json.id}`)).status).toBe(404)
      expect(gw.deps.models.resolve(principalOf(admin.id, true), 'delete-me')).toBeUndefined()
    })

    it('pages, searches and sorts the list', async () => {
      for (const n of ['page-c', 'page-a', 'page-b']) {
        await call(admin.key, 'POST', '/v2/models', { name: n, description: 'paged' })
      }
      const first = await call(admin.key, 'GET', '/v2/models?search=PAGE-&perPage=2&page=1')
      expect(names(first.json)).toEqual(['page-a', 'page-b'])
      expect(first.json.pagination).toEqual({ page: 1, perPage: 2, total: 3, totalPage: 2 })
      const second = await call(admin.key, 'GET', '/v2/models?search=page-&perPage=2&page=2')
      expect(names(second.json)).toEqual(['page-c'])
      const desc = await call(admin.key, 'GET', '/v2/models?search=paged&sort_by=-name')
      expect(names(desc.json)).toEqual(['page-c', 'page-b', 'page-a'])
    })

    it('writes an audit row for each change, without instance credentials', async () => {
      const created = await call(admin.key, 'POST', '/v2/models', {
        name: 'audited',
        instances: [{ url: 'http://10.0.5.1:8000', api_key: 'engine-secret-3' }],
      })
      await call(admin.key, 'PUT', `/v2/models/${created.json.id}`, {
        instances: [{ url: 'http://10.0.5.1:8000', api_key: 'engine-secret-4' }],
      })
      await call(admin.key, 'DELETE', `/v2/models/${created.json.id}`)
      const rows = await gw.database.db
        .selectFrom('audit_events')
        .select(['action', 'actor_user_id', 'target_type', 'target_id', 'details'])
        .where('target_type', '=', 'model')
        .where('target_id', '=', String(created.json.id))
        .orderBy('id')
        .execute()
      expect(rows.map((r) => r.action)).toEqual(['model.create', 'model.update', 'model.delete'])
      expect(rows.every((r) => r.actor_user_id === admin.id)).toBe(true)
      expect(JSON.stringify(rows)).not.toMatch(/engine-secret/)
    })

    it('shows a change made on another replica within moments', async () => {
      const other = await startGateway(gw.testDb)
      try {
        const created = await call(admin.key, 'POST', '/v2/models', { name: 'replicated' })
        await vi.waitFor(() => {
          expect(other.deps.models.resolve(principalOf(bob.id), 'replicated')?.id).toBe(
            created.json.id,
          )
        })
      } finally {
        await other.close()
      }
    })
  })

  describe('security', () => {
    it('shows a user the authed models and those granted to them, without URLs or workers', async () => {
      const res = await call(alice.key, 'GET', '/v2/models?search=-')
      expect(names(res.json)).toEqual(expect.arrayContaining(['alice-only', 'open-a', 'open-b']))
      const openA = (res.json.items as Json[]).find((m) => m.name === 'open-a')
      expect(Object.keys(openA ?? {}).sort()).toEqual(
        [
          'backend',
          'created_at',
          'description',
          'health',
          'id',
          'name',
          'routes',
          'input_price_per_mtok',
          'output_price_per_mtok',
          'updated_at',
        ].sort(),
      )
      expect(res.text).not.toContain('10.0.0.1')
    })

    it('hides an allowed_users model from users without a grant, like an unknown id', async () => {
      const list = await call(bob.key, 'GET', '/v2/models?perPage=1000')
      expect(names(list.json)).not.toContain('alice-only')
      expect(names(list.json)).toContain('open-a')
      const id = gw.deps.models.resolve(principalOf(alice.id), 'alice-only')?.id
      const hidden = await call(bob.key, 'GET', `/v2/models/${id}`)
      const unknown = await call(bob.key, 'GET', '/v2/models/999999')
      expect(hidden.status).toBe(404)
      expect(hidden.json).toEqual(unknown.json)
      expect(gw.deps.models.resolve(principalOf(bob.id), 'alice-only')).toBeUndefined()
    })

    it('limits both /v2/models and the registry to the key allowlist', async () => {
      const res = await call(aliceLimitedKey, 'GET', '/v2/models')
      expect(names(res.json)).toEqual(['alice-only', 'open-a'])
      const openB = gw.deps.models.resolve(principalOf(alice.id), 'open-b')
      const hidden = await call(aliceLimitedKey, 'GET', `/v2/models/${openB?.id}`)
      expect(hidden.status).toBe(404)
      const limited = principalOf(alice.id, false, ['open-a', 'open-b'])
      expect(gw.deps.models.listFor(limited).map((m) => m.name)).toEqual(['open-a', 'open-b'])
      expect(gw.deps.models.labelFor('open-b')).toBe('open-b')
      expect(gw.deps.models.labelFor('made-up-model')).toBe('other')
    })

    it('shows an admin every model, including others’ allowed_users models', async () => {
      const res = await call(admin.key, 'GET', '/v2/models?perPage=1000')
      expect(names(res.json)).toEqual(expect.arrayContaining(['alice-only', 'open-a', 'open-b']))
      const aliceOnly = (res.json.items as Json[]).find((m) => m.name === 'alice-only')
      expect(aliceOnly).toMatchObject({
        access_policy: 'allowed_users',
        allowed_user_ids: [alice.id],
      })
    })

    it('refuses writes from a non-admin with 403', async () => {
      const id = gw.deps.models.resolve(principalOf(alice.id), 'open-a')?.id
      for (const [method, path] of [
        ['POST', '/v2/models'],
        ['PUT', `/v2/models/${id}`],
        ['DELETE', `/v2/models/${id}`],
      ] as const) {
        const res = await call(alice.key, method, path, { name: 'sneaky' })
        expect(res.status).toBe(403)
        expect(res.json.error?.code).toBe('insufficient_permissions')
      }
      expect(gw.deps.models.resolve(principalOf(alice.id), 'open-a')?.id).toBe(id)
    })

    it('grants an allowed_users model to the users listed, and takes it back', async () => {
      const created = await call(admin.key, 'POST', '/v2/models', {
        name: 'granted',
        access_policy: 'allowed_users',
        allowed_user_ids: [bob.id],
      })
      expect(names((await call(bob.key, 'GET', '/v2/models?search=granted')).json)).toEqual([
        'granted',
      ])
      expect(names((await call(alice.key, 'GET', '/v2/models?search=granted')).json)).toEqual([])
      await call(admin.key, 'PUT', `/v2/models/${created.json.id}`, { allowed_user_ids: [] })
      expect(gw.deps.models.resolve(principalOf(bob.id), 'granted')).toBeUndefined()
    })
  })

  describe('errors', () => {
    it('answers a duplicate name with 409 conflict', async () => {
      await call(admin.key, 'POST', '/v2/models', { name: 'dup' })
      const res = await call(admin.key, 'POST', '/v2/models', { name: 'dup' })
      expect(res.status).toBe(409)
      expect(res.json.error).toMatchObject({ code: 'conflict', param: 'name' })
      const other = await call(admin.key, 'POST', '/v2/models', { name: 'dup-2' })
      const rename = await call(admin.key, 'PUT', `/v2/models/${other.json.id}`, { name: 'dup' })
      expect(rename.status).toBe(409)
    })

    it('answers malformed JSON with 400 invalid_request', async () => {
      const res = await call(admin.key, 'POST', '/v2/models', '{"name":')
      expect(res.status).toBe(400)
      expect(Object.keys(res.json.error ?? {}).sort()).toEqual(['code', 'message', 'param', 'type'])
      expect(res.json.error?.code).toBe('invalid_request')
    })

    it.each([
      [{ description: 'no name' }, 'name'],
      [{ name: 'has space' }, 'name'],
      [{ name: 'x', backend: 'triton' }, 'backend'],
      [{ name: 'x', access_policy: 'everyone' }, 'access_policy'],
      [{ name: 'x', instances: [{ url: 'ftp://host' }] }, 'instances.0.url'],
      [{ name: 'x', instances: [{ url: 'http://h:1', weight: 0 }] }, 'instances.0.weight'],
      [{ name: 'x', instances: [{ url: 'http://h:1' }, { url: 'http://h:1/' }] }, 'instances'],
      [{ name: 'x', allowed_user_ids: ['bob'] }, 'allowed_user_ids.0'],
      [{ name: 'x', surprise: true }, 'surprise'],
    ])('answers a bad field with 422 naming it (%j)', async (body, param) => {
      const res = await call(admin.key, 'POST', '/v2/models', body)
      expect(res.status).toBe(422)
      expect(res.json.error).toMatchObject({ code: 'validation_error', param })
    })

    it('answers an unknown user id in allowed_user_ids with 422 and creates nothing', async () => {
      const res = await call(admin.key, 'POST', '/v2/models', {
        name: 'ghost-grant',
        access_policy: 'allowed_users',
        allowed_user_ids: [987654],
      })
      expect(res.status).toBe(422)
      expect(res.json.error).toMatchObject({ code: 'validation_error', param: 'allowed_user_ids' })
      const row = await gw.database.db
        .selectFrom('models')
        .select('id')
        .where('name', '=', 'ghost-grant')
        .executeTakeFirst()
      expect(row).toBeUndefined()
    })

    it('answers an unknown or malformed id with 404 model_not_found', async () => {
      for (const [method, path] of [
        ['GET', '/v2/models/424242'],
        ['PUT', '/v2/models/424242'],
        ['DELETE', '/v2/models/424242'],
        ['GET', '/v2/models/abc'],
      ] as const) {
        const res = await call(admin.key, method, path, method === 'PUT' ? {} : undefined)
        expect(res.status).toBe(404)
        expect(res.json.error?.code).toBe('model_not_found')
      }
    })

    it('answers a bad list query with 422', async () => {
      const res = await call(admin.key, 'GET', '/v2/models?perPage=0')
      expect(res.status).toBe(422)
      expect(res.json.error).toMatchObject({ code: 'validation_error', param: 'perPage' })
    })

    it('keeps serving the last snapshot when a reload fails, and recovers on the next change', async () => {
      const db = gw.database.db
      await sql`alter table model_user_grants rename to model_user_grants_away`.execute(db)
      try {
        await seedModel(db, { name: 'during-outage' })
        // The reload fails while the table is away; whoever delivers the event (NOTIFY or this call) sees it fail.
        await gw.deps.changes.catchUp().catch(() => undefined)
        expect(gw.deps.models.resolve(principalOf(bob.id), 'open-a')?.name).toBe('open-a')
        expect(gw.deps.models.resolve(principalOf(bob.id), 'during-outage')).toBeUndefined()
      } finally {
        await sql`alter table model_user_grants_away rename to model_user_grants`.execute(db)
      }
      await seedModel(db, { name: 'after-outage' })
      await gw.deps.changes.catchUp()
      expect(gw.deps.models.resolve(principalOf(bob.id), 'during-outage')?.name).toBe(
        'during-outage',
      )
    })

    it('answers an unauthenticated call with 401', async () => {
      const res = await fetch(`${gw.url}/v2/models`)
      expect(res.status).toBe(401)
    })
  })
})

function principalOf(userId: number, isAdmin = false, allowed?: string[]): Principal {
  return {
    userId,
    username: `user-${userId}`,
    isAdmin,
    keyId: null,
    scope: ALL_SCOPES,
    allowedModelNames: allowed === undefined ? null : new Set(allowed),
    limits: [],
    allowedAddresses: null,
  }
}

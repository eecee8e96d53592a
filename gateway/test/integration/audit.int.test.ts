import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CreatedApiKey } from '../../src/keys/api-key-view.js'
import { applyModelsFile } from '../../src/models/models-file-sync.js'
import type { AuditEventPage } from '../../src/routes/v2/audit-events.js'
import { seedKey, seedUser } from '../support/seed.js'
import { ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

type Credential = { cookie: string } | { key: string }

function client(gw: TestGateway, credential: Credential) {
  const auth: Record<string, string> =
    'cookie' in credential
      ? { cookie: credential.cookie, 'sec-fetch-site': 'same-origin' }
      : { authorization: `Bearer ${credential.key}` }
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return {
      status: res.status,
      json: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
    }
  }
}

async function login(gw: TestGateway, username: string, password: string): Promise<string> {
  const res = await fetch(`${gw.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  expect(res.status).toBe(200)
  const line = res.headers.getSetCookie().find((c) => c.startsWith('keygate_session='))
  return line?.split(';')[0] ?? ''
}

describe.each(dbTargets())('audit trail on %s', (target) => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>
  let admin: ReturnType<typeof client>
  /** Every secret the lifecycle below handled: none may appear in any audit row. */
  const secrets: string[] = []

  beforeAll(async () => {
    gw = await startTestGateway(target)
    const adminCookie = await login(gw, 'admin', ADMIN_PASSWORD)
    secrets.push(ADMIN_PASSWORD, adminCookie.split('=')[1] ?? '')
    admin = client(gw, { cookie: adminCookie })

    // Users: created with a password, reset by the admin, changed by the user.
    const created = await admin('POST', '/v2/users', {
      username: 'carol',
      password: 'carol-first-pass-1',
    })
    expect(created.status).toBe(201)
    const carolId = Number(created.json.id)
    expect(
      (await admin('PUT', `/v2/users/${carolId}`, { password: 'carol-reset-pass-2' })).status,
    ).toBe(200)
    const carolCookie = await login(gw, 'carol', 'carol-reset-pass-2')
    const change = await fetch(`${gw.url}/auth/update-password`, {
      method: 'POST',
      headers: {
        cookie: carolCookie,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        current_password: 'carol-reset-pass-2',
        new_password: 'carol-own-pass-3',
      }),
    })
    expect(change.status).toBe(200)
    secrets.push(
      'carol-first-pass-1',
      'carol-reset-pass-2',
      'carol-own-pass-3',
      carolCookie.split('=')[1] ?? '',
    )
    const carol = client(gw, { cookie: await login(gw, 'carol', 'carol-own-pass-3') })

    // Keys: a generated one and a custom one, then edited and deleted.
    const generated = await carol('POST', '/v2/api-keys', {
      name: 'gen',
      scope: ['inference', 'management'],
    })
    const custom = await carol('POST', '/v2/api-keys', {
      name: 'own',
      custom: 'my-custom-key-value-0042',
    })
    expect([generated.status, custom.status]).toEqual([201, 201])
    for (const k of [generated.json, custom.json] as unknown as CreatedApiKey[]) {
      secrets.push(k.value, createHash('sha256').update(k.value).digest('hex'))
    }
    const genId = Number(generated.json.id)
    const viaKey = client(gw, { key: String(generated.json.value) })
    expect(
      (await viaKey('PUT', `/v2/api-keys/${genId}`, { description: 'edited by its own key' }))
        .status,
    ).toBe(200)
    expect((await carol('DELETE', `/v2/api-keys/${Number(custom.json.id)}`)).status).toBe(204)

    // Models with an instance credential, edited (credential changed) and deleted.
    const model = await admin('POST', '/v2/models', {
      name: 'audited-model',
      backend: 'vllm',
      instances: [{ url: 'http://10.0.3.7:8000', api_key: 'engine-credential-one' }],
    })
    expect(model.status).toBe(201)
    const modelId = Number(model.json.id)
    const edited = await admin('PUT', `/v2/models/${modelId}`, {
      instances: [{ url: 'http://10.0.3.7:8000', api_key: 'engine-credential-two' }],
    })
    expect(edited.status).toBe(200)
    expect((await admin('DELETE', `/v2/models/${modelId}`)).status).toBe(204)
    secrets.push('engine-credential-one', 'engine-credential-two')
  })
  afterAll(async () => {
    await gw?.close()
  })

  describe('happy', () => {
    it('records every key, user and model change with its actor', async () => {
      const page = (await admin('GET', '/v2/audit-events?perPage=1000'))
        .json as unknown as AuditEventPage
      const actions = page.items.map((e) => e.action)
      for (const action of [
        'user.create',
        'user.update',
        'user.change_password',
        'api_key.create',
        'api_key.update',
        'api_key.delete',
        'model.create',
        'model.update',
        'model.delete',
      ]) {
        expect(actions).toContain(action)
      }
      const keyEdit = page.items.find((e) => e.action === 'api_key.update')
      expect(keyEdit).toMatchObject({ actor_username: 'carol', target_type: 'api_key' })
      expect(keyEdit?.actor_key_id).toEqual(expect.any(Number))
      const modelCreate = page.items.find((e) => e.action === 'model.create')
      expect(modelCreate).toMatchObject({ actor_username: 'admin', actor_key_id: null })
    })

    it('stores details as a JSON object (postgres.js once stored them as a JSON string)', async () => {
      const rows = await sql<{ kind: string }>`
        select distinct jsonb_typeof(details) as kind from audit_events`.execute(gw.database.db)
      expect(rows.rows.map((r) => r.kind)).toEqual(['object'])
    })

    it('lists newest first with pagination', async () => {
      const all = (await admin('GET', '/v2/audit-events')).json as unknown as AuditEventPage
      const ids = all.items.map((e) => e.id)
      expect(ids).toEqual([...ids].sort((a, b) => b - a))
      const ats = all.items.map((e) => Date.parse(e.at))
      expect(ats).toEqual([...ats].sort((a, b) => b - a))
      const first = (await admin('GET', '/v2/audit-events?perPage=2&page=1'))
        .json as unknown as AuditEventPage
      const second = (await admin('GET', '/v2/audit-events?perPage=2&page=2'))
        .json as unknown as AuditEventPage
      expect(first.pagination).toEqual({
        page: 1,
        perPage: 2,
        total: all.pagination.total,
        totalPage: Math.ceil(all.pagination.total / 2),
      })
      expect([...first.items, ...second.items].map((e) => e.id)).toEqual(ids.slice(0, 4))
    })

    it('filters by action, target, actor and time', async () => {
      const models = (await admin('GET', '/v2/audit-events?target_type=model'))
        .json as unknown as AuditEventPage
      expect(models.items.map((e) => e.action)).toEqual([
        'model.delete',
        'model.update',
        'model.create',
      ])
      const targetId = models.items[0]?.target_id
      const one = (
        await admin(
          'GET',
          `/v2/audit-events?target_type=model&target_id=${targetId}&action=model.update`,
        )
      ).json as unknown as AuditEventPage
      expect(one.items).toHaveLength(1)
      const carolId = (await admin('GET', '/v2/audit-events?action=user.create'))
        .json as unknown as AuditEventPage
      const carol = carolId.items.find((e) => e.details.username === 'carol')
      const byCarol = (await admin('GET', `/v2/audit-events?actor_user_id=${carol?.target_id}`))
        .json as unknown as AuditEventPage
      expect(new Set(byCarol.items.map((e) => e.actor_username))).toEqual(new Set(['carol']))
      expect(byCarol.items.length).toBeGreaterThanOrEqual(4)
      const future = (await admin('GET', '/v2/audit-events?from=2999-01-01'))
        .json as unknown as AuditEventPage
      expect(future.items).toEqual([])
      const past = (await admin('GET', '/v2/audit-events?to=2000-01-01T00:00:00Z'))
        .json as unknown as AuditEventPage
      expect(past.pagination.total).toBe(0)
      const today = new Date().toISOString().slice(0, 10)
      const todays = (await admin('GET', `/v2/audit-events?from=${today}&to=${today}`))
        .json as unknown as AuditEventPage
      const everything = (await admin('GET', '/v2/audit-events')).json as unknown as AuditEventPage
      expect(todays.pagination.total).toBe(everything.pagination.total)
    })
  })

  describe('models file', () => {
    it('records a start-up sync that changed models as one system row, without instance credentials', async () => {
      const spec = {
        name: 'from-file',
        description: '',
        backend: 'vllm' as const,
        access_policy: 'authed' as const,
        allowed_users: [],
        instances: [
          { url: 'http://10.0.9.9:8000', weight: 1, worker: '', api_key: 'file-engine-secret' },
        ],
      }
      await applyModelsFile(gw.database.db, [spec])
      await applyModelsFile(gw.database.db, [spec]) // unchanged: no second row
      const page = (await admin('GET', '/v2/audit-events?action=model.sync_file'))
        .json as unknown as AuditEventPage
      expect(page.items).toHaveLength(1)
      expect(page.items[0]).toMatchObject({
        actor_kind: 'system',
        actor_user_id: null,
        actor_key_id: null,
        target_type: 'model',
        target_id: '*',
        details: { created: ['from-file'], updated: [], deleted: [] },
      })
      expect(JSON.stringify(page)).not.toContain('file-engine-secret')
    })
  })

  describe('errors', () => {
    it.each([
      ['?page=0', 'page'],
      ['?perPage=5000', 'perPage'],
      ['?from=yesterday', 'from'],
      ['?actor_user_id=x', 'actor_user_id'],
    ])('refuses %s with 422 naming %s', async (query, param) => {
      const res = await admin('GET', `/v2/audit-events${query}`)
      expect(res.status).toBe(422)
      expect(res.json.error).toMatchObject({ code: 'validation_error', param })
    })
  })

  describe('security', () => {
    it('holds no key value, key hash, password, session token or instance credential in any row', async () => {
      const dump = await sql<{ t: string }>`
        select coalesce(string_agg(concat_ws(' ', action, target_type, target_id, details::text), E'\n'), '') as t
        from audit_events`.execute(gw.database.db)
      const text = dump.rows[0]?.t ?? ''
      expect(text.length).toBeGreaterThan(100)
      for (const secret of secrets) {
        expect(secret.length).toBeGreaterThan(8)
        expect(text).not.toContain(secret)
      }
      const api = JSON.stringify((await admin('GET', '/v2/audit-events?perPage=1000')).json)
      for (const secret of secrets) {
        expect(api).not.toContain(secret)
      }
    })

    it('is for administrators only, even with a management key', async () => {
      const user = await seedUser(gw.database.db)
      const key = await seedKey(gw.database.db, { userId: user.id, scope: ['management'] })
      await gw.deps.changes.catchUp()
      const res = await client(gw, { key: key.value })('GET', '/v2/audit-events')
      expect(res.status).toBe(403)
      expect(res.json.error).toMatchObject({ code: 'insufficient_permissions' })
      const session = client(gw, { cookie: await login(gw, user.username, user.password) })
      expect((await session('GET', '/v2/audit-events')).status).toBe(403)
    })
  })
})

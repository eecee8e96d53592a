import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runDatabaseCommand } from '../../src/cli/embedded-access.js'
import { runKeysCreate } from '../../src/cli/keys-create.js'
import { runKeysRotate } from '../../src/cli/keys-rotate.js'
import { parseConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/database.js'
import type { ApiKey, CreatedApiKey } from '../../src/keys/api-key-view.js'
import { seedKey, seedUser } from '../support/seed.js'
import { startGateway, startTestGateway, type TestGateway } from '../support/test-app.js'
import { dbTargets, type TestDatabase } from '../support/test-db.js'

type Json = Record<string, unknown> & {
  error?: { code: string; param: string | null; message: string; type: string }
}

function client(gw: TestGateway) {
  return async function call(key: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await res.text()
    return {
      status: res.status,
      text,
      headers: res.headers,
      json: (text === '' ? {} : JSON.parse(text)) as Json,
    }
  }
}

/** Inference routes belong to another part; until /v1/models exists, a 404 route miss proves auth passed. */
async function inferenceStatus(gw: TestGateway, key: string): Promise<'allowed' | number> {
  const res = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })
  const body = (await res.json()) as Json
  return res.status === 200 || (res.status === 404 && body.error?.code === 'not_found')
    ? 'allowed'
    : res.status
}

describe.each(dbTargets())('/v2/api-keys on %s', (target) => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>
  let call: ReturnType<typeof client>
  let alice: { id: number; username: string; key: string }

  beforeAll(async () => {
    gw = await startTestGateway(target)
    call = client(gw)
    const user = await seedUser(gw.database.db, { username: 'alice' })
    const key = await seedKey(gw.database.db, {
      userId: user.id,
      name: 'alice-admin-tool',
      scope: ['management', 'inference'],
    })
    alice = { id: user.id, username: user.username, key: key.value }
    await gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await gw?.close()
  })

  describe('happy', () => {
    it('creates a generated key, shows its value once and the masked value afterwards', async () => {
      const res = await call(alice.key, 'POST', '/v2/api-keys', {
        name: 'laptop',
        description: 'my laptop',
        expires_in: 3600,
        scope: ['inference'],
        allowed_model_names: ['qwen3'],
      })
      expect(res.status).toBe(201)
      expect(res.headers.get('cache-control')).toBe('no-store')
      const created = res.json as unknown as CreatedApiKey
      expect(created.value).toMatch(/^kg_[0-9a-f]{16}_[0-9a-f]{32}$/)
      expect(created).toMatchObject({
        name: 'laptop',
        description: 'my laptop',
        is_custom: false,
        scope: ['inference'],
        allowed_model_names: ['qwen3'],
        is_active: true,
        last_used_at: null,
        user_id: alice.id,
        user_name: 'alice',
        masked_value: `kg_${created.value.slice(3, 11)}…${created.value.slice(-4)}`,
      })
      const expiresIn = Date.parse(created.expires_at ?? '') - Date.parse(created.created_at)
      expect(expiresIn).toBeGreaterThan(3_590_000)
      expect(expiresIn).toBeLessThan(3_610_000)
      expect(Object.keys(created).sort()).toEqual(
        [
          'allowed_model_names',
          'created_at',
          'description',
          'expires_at',
          'id',
          'is_active',
          'is_custom',
          'last_used_at',
          'masked_value',
          'metadata',
          'allowed_ips',
          'previous_value_expires_at',
          'rpm_limit',
          'tpm_limit',
          'max_parallel_requests',
          'token_budget',
          'budget_period',
          'name',
          'scope',
          'updated_at',
          'user_id',
          'user_name',
          'value',
          'rpm_limit',
          'tpm_limit',
          'max_parallel_requests',
          'token_budget',
          'budget_period',
        ].sort(),
      )

      const got = await call(alice.key, 'GET', `/v2/api-keys/${created.id}`)
      expect(got.status).toBe(200)
      const { value: _value, ...shown } = created
      expect(got.json).toEqual(shown)
      const list = await call(alice.key, 'GET', '/v2/api-keys?perPage=1000')
      expect(list.text).not.toContain(created.value)
      expect(list.text).not.toContain(created.value.slice(20))
      expect(got.text).not.toContain(created.value.slice(20))
    })

    it('uses the new key as a bearer token at once', async () => {
      const created = await call(alice.key, 'POST', '/v2/api-keys', { name: 'bearer-use' })
      expect(created.json.scope).toEqual(['inference'])
      expect(created.json.allowed_model_names).toEqual([])
      expect(created.json.expires_at).toBeNull()
      expect(await inferenceStatus(gw, created.json.value as string)).toBe('allowed')
    })

    it('creates a custom key that authenticates and is masked to its last four characters', async () => {
      const custom = 'alice-Custom-Key-2024!x9Q'
      const res = await call(alice.key, 'POST', '/v2/api-keys', {
        name: 'custom-one',
        custom,
        scope: '*',
      })
      expect(res.status).toBe(201)
      expect(res.json).toMatchObject({
        is_custom: true,
        masked_value: '…!x9Q',
        value: custom,
        scope: ['management', 'inference'],
      })
      const me = await call(custom, 'GET', '/v2/api-keys?search=custom-one')
      expect(me.status).toBe(200)
      expect((me.json.items as ApiKey[]).map((k) => k.name)).toEqual(['custom-one'])
      expect(me.text).not.toContain(custom)
    })

    it('edits description, permissions, allowlist and expiry, and keeps name and value', async () => {
      const created = await call(alice.key, 'POST', '/v2/api-keys', { name: 'edit-me' })
      const id = created.json.id as number
      const res = await call(alice.key, 'PUT', `/v2/api-keys/${id}`, {
        description: 'now for CI',
        scope: ['management'],
        allowed_model_names: ['a', 'b', 'a'],
        expires_at: '2099-01-02T03:04:05+01:00',
      })
      expect(res.status).toBe(200)
      expect(res.json).toMatchObject({
        id,
        name: 'edit-me',
        description: 'now for CI',
        scope: ['management'],
        allowed_model_names: ['a', 'b'],
        expires_at: '2099-01-02T02:04:05.000Z',
        masked_value: created.json.masked_value,
      })
      expect(Date.parse(res.json.updated_at as string)).toBeGreaterThanOrEqual(
        Date.parse(created.json.updated_at as string),
      )
      const never = await call(alice.key, 'PUT', `/v2/api-keys/${id}`, { expires_at: null })
      expect(never.json).toMatchObject({ expires_at: null, description: 'now for CI' })
      const value = created.json.value as string
      expect(await inferenceStatus(gw, value)).toBe(403)
      expect((await call(value, 'GET', '/v2/api-keys')).status).toBe(200)
    })

    it('deletes a key: 204, then 404 and the key no longer authenticates', async () => {
      const created = await call(alice.key, 'POST', '/v2/api-keys', { name: 'delete-me' })
      const value = created.json.value as string
      expect(await inferenceStatus(gw, value)).toBe('allowed')
      const del = await call(alice.key, 'DELETE', `/v2/api-keys/${created.json.id}`)
      expect(del.status).toBe(204)
      expect(del.text).toBe('')
      expect((await call(alice.key, 'GET', `/v2/api-keys/${created.json.id}`)).status).toBe(404)
      expect(await inferenceStatus(gw, value)).toBe(401)
      expect((await call(alice.key, 'DELETE', `/v2/api-keys/${created.json.id}`)).status).toBe(404)
    })

    it('writes an audit row per change without the key value', async () => {
      const created = await call(alice.key, 'POST', '/v2/api-keys', { name: 'audited' })
      await call(alice.key, 'PUT', `/v2/api-keys/${created.json.id}`, { is_active: false })
      await call(alice.key, 'DELETE', `/v2/api-keys/${created.json.id}`)
      const rows = await gw.database.db
        .selectFrom('audit_events')
        .select(['action', 'actor_user_id', 'actor_key_id', 'target_type', 'details'])
        .where('target_id', '=', String(created.json.id))
        .orderBy('id')
        .execute()
      expect(rows.map((r) => r.action)).toEqual([
        'api_key.create',
        'api_key.update',
        'api_key.delete',
      ])
      expect(rows.every((r) => r.actor_user_id === alice.id && r.target_type === 'api_key')).toBe(
        true,
      )
      expect(rows[0]?.actor_key_id).toBeGreaterThan(0)
      const text = JSON.stringify(rows)
      expect(text).not.toContain(created.json.value as string)
      expect(text).not.toContain((created.json.value as string).slice(20))
    })
  })

  describe('list', () => {
    let bob: { id: number; key: string }

    beforeAll(async () => {
      const user = await seedUser(gw.database.db, { username: 'bob-lister' })
      bob = {
        id: user.id,
        key: (await seedKey(gw.database.db, { userId: user.id, scope: ['management'] })).value,
      }
      await gw.deps.changes.catchUp()
      for (const [name, description] of [
        ['list-c', 'third'],
        ['list-a', 'has 50% off_sale'],
        ['list-b', 'plain'],
        ['LIST-D', 'Upper'],
      ]) {
        await call(bob.key, 'POST', '/v2/api-keys', { name, description })
      }
    })

    const names = (json: Json) => (json.items as ApiKey[]).map((k) => k.name)

    it('pages with GPUStack pagination fields, newest first by default', async () => {
      const page1 = await call(bob.key, 'GET', '/v2/api-keys?page=1&perPage=2')
      expect(page1.status).toBe(200)
      expect(page1.json.pagination).toEqual({ page: 1, perPage: 2, total: 5, totalPage: 3 })
      expect(names(page1.json)).toEqual(['LIST-D', 'list-b'])
      const page3 = await call(bob.key, 'GET', '/v2/api-keys?page=3&perPage=2')
      expect(page3.json.items).toHaveLength(1)
      const page4 = await call(bob.key, 'GET', '/v2/api-keys?page=4&perPage=2')
      expect(page4.json.items).toEqual([])
    })

    it('sorts by a whitelisted column, descending with a leading minus', async () => {
      const asc = await call(bob.key, 'GET', '/v2/api-keys?sort_by=name&search=list')
      expect(names(asc.json)).toEqual(['LIST-D', 'list-a', 'list-b', 'list-c'].sort())
      const desc = await call(bob.key, 'GET', '/v2/api-keys?sort_by=-name&search=list')
      expect(names(desc.json)).toEqual(names(asc.json).reverse())
      const bad = await call(bob.key, 'GET', '/v2/api-keys?sort_by=key_hash')
      expect(bad.status).toBe(422)
      expect(bad.json.error).toMatchObject({ code: 'validation_error', param: 'sort_by' })
    })

    it('searches name and description case-insensitively, LIKE wildcards taken literally', async () => {
      const upper = await call(bob.key, 'GET', '/v2/api-keys?search=list-d')
      expect(names(upper.json)).toEqual(['LIST-D'])
      const byDescription = await call(bob.key, 'GET', '/v2/api-keys?search=THIRD')
      expect(names(byDescription.json)).toEqual(['list-c'])
      const percent = await call(bob.key, 'GET', `/v2/api-keys?search=${encodeURIComponent('50%')}`)
      expect(names(percent.json)).toEqual(['list-a'])
      const underscore = await call(bob.key, 'GET', '/v2/api-keys?search=off_s')
      expect(names(underscore.json)).toEqual(['list-a'])
      const wildcard = await call(bob.key, 'GET', '/v2/api-keys?search=_')
      expect(names(wildcard.json)).toEqual(['list-a'])
    })

    it('shows a user only their own keys', async () => {
      const res = await call(bob.key, 'GET', '/v2/api-keys?perPage=1000')
      expect((res.json.items as ApiKey[]).every((k) => k.user_id === bob.id)).toBe(true)
      const all = await call(bob.key, 'GET', '/v2/api-keys?user_id=*')
      expect(all.status).toBe(403)
      const other = await call(bob.key, 'GET', `/v2/api-keys?user_id=${alice.id}`)
      expect(other.status).toBe(403)
      const own = await call(bob.key, 'GET', `/v2/api-keys?user_id=${bob.id}`)
      expect(own.json.pagination).toMatchObject({ total: 5 })
    })

    it('refuses bad paging values with 422 naming the parameter', async () => {
      for (const [query, param] of [
        ['page=0', 'page'],
        ['page=abc', 'page'],
        ['perPage=100000', 'perPage'],
        ['user_id=x', 'user_id'],
      ]) {
        const res = await call(bob.key, 'GET', `/v2/api-keys?${query}`)
        expect(res.status, query).toBe(422)
        expect(res.json.error?.param, query).toBe(param)
      }
    })
  })

  describe('errors', () => {
    it('answers a duplicate name for the same owner with 409 conflict', async () => {
      await call(alice.key, 'POST', '/v2/api-keys', { name: 'dup' })
      const res = await call(alice.key, 'POST', '/v2/api-keys', { name: 'dup' })
      expect(res.status).toBe(409)
      expect(res.json.error).toMatchObject({ code: 'conflict', param: 'name' })
    })

    it('allows the same name for different owners', async () => {
      const carol = await seedUser(gw.database.db)
      const key = await seedKey(gw.database.db, { userId: carol.id, scope: ['management'] })
      await gw.deps.changes.catchUp()
      await call(alice.key, 'POST', '/v2/api-keys', { name: 'shared-name' })
      const res = await call(key.value, 'POST', '/v2/api-keys', { name: 'shared-name' })
      expect(res.status).toBe(201)
    })

    it('answers a custom value already in use with 409 without saying whose it is', async () => {
      const value = 'Dup-Custom-Value-77#zz'
      expect(
        (await call(alice.key, 'POST', '/v2/api-keys', { name: 'cv1', custom: value })).status,
      ).toBe(201)
      const dave = await seedUser(gw.database.db, { username: 'dave' })
      const daveKey = await seedKey(gw.database.db, { userId: dave.id, scope: ['management'] })
      await gw.deps.changes.catchUp()
      const res = await call(daveKey.value, 'POST', '/v2/api-keys', { name: 'cv2', custom: value })
      expect(res.status).toBe(409)
      expect(res.json.error).toMatchObject({ code: 'conflict', param: 'custom' })
      expect(res.text).not.toContain('alice')
      expect(res.text).not.toContain(value)
    })

    it.each([
      ['a missing name', {}, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['a name over 128 characters', { name: 'n'.repeat(129) }, 'name'],
      ['a wrong type', { name: 'x', expires_in: '3600' }, 'expires_in'],
      ['a negative expiry', { name: 'x', expires_in: -1 }, 'expires_in'],
      ['an unknown scope', { name: 'x', scope: ['admin'] }, 'scope'],
      ['a non-list allowlist', { name: 'x', allowed_model_names: 'qwen' }, 'allowed_model_names'],
      ['an unknown field', { name: 'x', user_id: 1 }, 'user_id'],
      ['a custom value that is too short', { name: 'x', custom: 'short-Key1' }, 'custom'],
      ['a weak custom value', { name: 'x', custom: 'aaaaaaaaaaaaaaaaaaaa' }, 'custom'],
      ['a custom value with a space', { name: 'x', custom: 'has space Inside-123' }, 'custom'],
    ])(
      'refuses a create body with %s: 422 validation_error naming the field',
      async (_l, body, param) => {
        const res = await call(alice.key, 'POST', '/v2/api-keys', body)
        expect(res.status).toBe(422)
        expect(res.json.error).toMatchObject({ code: 'validation_error', param })
        expect(res.json.error?.message.length).toBeGreaterThan(5)
      },
    )

    it('says why a custom value is refused', async () => {
      const res = await call(alice.key, 'POST', '/v2/api-keys', { name: 'x', custom: 'short' })
      expect(res.json.error?.message).toMatch(/at least 16 characters/)
    })

    it('answers malformed JSON with 400 invalid_request and keeps serving', async () => {
      for (const body of ['{"name":', 'not json', '']) {
        const res = await call(alice.key, 'POST', '/v2/api-keys', body)
        expect(res.status).toBe(400)
        expect(res.json.error).toMatchObject({
          code: 'invalid_request',
          type: 'invalid_request_error',
        })
      }
      const array = await call(alice.key, 'POST', '/v2/api-keys', '[1,2]')
      expect(array.status).toBe(422)
      expect((await call(alice.key, 'GET', '/v2/api-keys')).status).toBe(200)
    })

    it.each([
      ['an empty name', { name: ' ' }, 'name'],
      ['the value', { value: 'kg_x' }, 'value'],
      ['an unknown field', { owner: 2 }, 'owner'],
      ['a bad expiry', { expires_at: 'next tuesday' }, 'expires_at'],
      ['a non-boolean is_active', { is_active: 'no' }, 'is_active'],
    ])('refuses an edit of %s with 422 naming the field', async (_l, body, param) => {
      const created = await call(alice.key, 'POST', '/v2/api-keys', {
        name: `fixed-${param}-${Math.random()}`,
      })
      const res = await call(alice.key, 'PUT', `/v2/api-keys/${created.json.id}`, body)
      expect(res.status).toBe(422)
      expect(res.json.error).toMatchObject({ code: 'validation_error', param })
    })

    it('answers an id that is not a number, or does not exist, with 404', async () => {
      for (const id of ['abc', '0', '99999999', '1e3', '-1']) {
        const res = await call(alice.key, 'GET', `/v2/api-keys/${id}`)
        expect(res.status, id).toBe(404)
        expect(res.json.error?.code).toBe('not_found')
      }
    })
  })

  describe('security', () => {
    it('rejects random and malformed bearer tokens with 401 in the envelope', async () => {
      for (const token of [
        'kg_0000000000000000_00000000000000000000000000000000',
        'x',
        'a'.repeat(300),
      ]) {
        const res = await call(token, 'GET', '/v2/api-keys')
        expect(res.status).toBe(401)
        expect(res.json.error).toMatchObject({ code: 'invalid_api_key', param: null })
      }
      const odd = await fetch(`${gw.url}/v2/api-keys`, { headers: { authorization: 'Basic abc' } })
      expect(odd.status).toBe(401)
      const missing = await fetch(`${gw.url}/v2/api-keys`)
      expect(((await missing.json()) as Json).error?.code).toBe('missing_api_key')
      expect((await call(alice.key, 'GET', '/v2/api-keys')).status).toBe(200)
    })

    it('reads the database once for a flood of the same unknown key', async () => {
      const unknown = 'kg_1111111111111111_22222222222222222222222222222222'
      const before = gw.deps.keys.loadCount()
      const statuses = await Promise.all(
        Array.from(
          { length: 100 },
          async () => (await call(unknown, 'GET', '/v2/api-keys')).status,
        ),
      )
      expect(new Set(statuses)).toEqual(new Set([401]))
      for (let i = 0; i < 20; i++) {
        expect((await call(unknown, 'GET', '/v2/api-keys')).status).toBe(401)
      }
      expect(gw.deps.keys.loadCount() - before).toBe(1)
    })

    it('accepts a key created after its value was tried (the negative entry is dropped)', async () => {
      const value = 'Tried-Before-Created-42!'
      expect((await call(value, 'GET', '/v2/api-keys')).status).toBe(401)
      const res = await call(alice.key, 'POST', '/v2/api-keys', {
        name: 'tried-first',
        custom: value,
        scope: ['management'],
      })
      expect(res.status).toBe(201)
      expect((await call(value, 'GET', '/v2/api-keys')).status).toBe(200)
    })
  })
})

describe.each(dbTargets())('keygate keys create on %s', (target) => {
  let dataDir: string
  let testDb: TestDatabase
  let env: Record<string, string>

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keygate-cli-'))
    env = { KEYGATE_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }
    if (target === 'postgres') {
      const { createTestDatabase } = await import('../support/test-db.js')
      testDb = await createTestDatabase('postgres')
      env.DATABASE_URL = testDb.options.kind === 'postgres' ? testDb.options.url : ''
    } else {
      // The CLI opens <data dir>/pglite; a gateway on the same directory sees what it wrote.
      testDb = {
        target: 'pglite',
        options: { kind: 'pglite', dataDir },
        open: () => openDatabase({ kind: 'pglite', dataDir }),
        drop: async () => {},
      }
    }
    const db = await testDb.open()
    const { migrate } = await import('../../src/db/migrate.js')
    await migrate(db)
    await seedUser(db.db, { username: 'cli-user' })
    await db.close()
  })
  afterAll(async () => {
    await testDb?.drop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  /** Runs the command in-process (a child process would pay seconds of start-up per call). */
  async function cli(args: string[], run = runKeysCreate) {
    const parsed = parseConfig({ KEYGATE_BOOTSTRAP_PASSWORD: 'unused-password', ...env })
    if (!parsed.ok) {
      throw new Error(parsed.problems.join('; '))
    }
    const out = vi.spyOn(console, 'log').mockImplementation(() => {})
    const err = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const code = await runDatabaseCommand(parsed.config, 'keys', run, args)
      const text = (spy: typeof out) => spy.mock.calls.map((c) => c.join(' ')).join('\n')
      return { code, stdout: text(out), stderr: text(err) }
    } finally {
      out.mockRestore()
      err.mockRestore()
    }
  }

  it('prints the value once on stdout, and the key works on a gateway', async () => {
    const r = await cli([
      '--user',
      'cli-user',
      '--name',
      'bootstrap',
      '--scope',
      'inference,management',
      '--models',
      'a,b',
      '--expires-in',
      '86400',
      '--description',
      'from a script',
    ])
    expect(r.stderr).toContain('created key')
    expect(r.code).toBe(0)
    const value = r.stdout.trim()
    expect(value).toMatch(/^kg_[0-9a-f]{16}_[0-9a-f]{32}$/)
    expect(r.stderr).not.toContain(value.slice(20))
    const refused = await cli([
      '--user',
      'cli-user',
      '--name',
      'weak',
      '--custom',
      'aaaaaaaaaaaaaaaaaa',
    ])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/single repeated character/)
    expect((await cli(['--user', 'nobody', '--name', 'x'])).code).toBe(1)
    expect((await cli(['--name', 'x'])).code).toBe(2)
    expect((await cli(['--user', 'cli-user', '--name', 'x', '--expires-in', 'soon'])).code).toBe(2)
    expect((await cli(['--user', 'cli-user', '--name', 'bootstrap'])).code).toBe(1)

    const gw = await startGateway(testDb)
    try {
      const res = await fetch(`${gw.url}/v2/api-keys`, {
        headers: { authorization: `Bearer ${value}` },
      })
      expect(res.status).toBe(200)
      const items = ((await res.json()) as { items: ApiKey[] }).items
      expect(items).toHaveLength(1)
      expect(items[0]).toMatchObject({
        name: 'bootstrap',
        description: 'from a script',
        scope: ['management', 'inference'],
        allowed_model_names: ['a', 'b'],
        user_name: 'cli-user',
      })
    } finally {
      await gw.close()
      if (target === 'pglite') {
        await gw.database.close()
      }
    }
  })

  it('keys rotate prints the new value once; the old one works for --grace, then only the new one', async () => {
    const created = await cli(['--user', 'cli-user', '--name', 'to-rotate'])
    expect(created.code).toBe(0)
    const oldValue = created.stdout.trim()
    const rotate = (args: string[]) => cli(args, runKeysRotate)
    const r = await rotate(['--user', 'cli-user', '--name', 'to-rotate', '--grace', '3600'])
    expect(r.stderr).toContain('rotated key')
    expect(r.code).toBe(0)
    const graced = r.stdout.trim()
    expect(graced).toMatch(/^kg_[0-9a-f]{16}_[0-9a-f]{32}$/)
    expect(graced).not.toBe(oldValue)
    expect(r.stderr).toContain('works until')
    expect(r.stderr).not.toContain(graced.slice(20))
    expect(
      (await rotate(['--user', 'cli-user', '--name', 'to-rotate', '--grace', '604801'])).code,
    ).toBe(2)
    expect((await rotate(['--user', 'cli-user', '--name', 'to-rotate', '--grace', 'x'])).code).toBe(
      2,
    )
    expect((await rotate(['--user', 'cli-user', '--name', 'missing'])).code).toBe(1)
    expect((await rotate(['--user', 'cli-user'])).code).toBe(2)
    const custom = await rotate([
      '--user',
      'cli-user',
      '--name',
      'to-rotate',
      '--custom',
      'Cli-Rotated-Custom-0003',
    ])
    expect(custom.code).toBe(0)
    expect(custom.stdout.trim()).toBe('Cli-Rotated-Custom-0003')

    const gw = await startGateway(testDb)
    try {
      const status = async (value: string) =>
        (await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${value}` } }))
          .status
      expect(await status('Cli-Rotated-Custom-0003')).toBe(200)
      // The second rotation had no grace: the value before it (and the one before that) are refused.
      expect(await status(graced)).toBe(401)
      expect(await status(oldValue)).toBe(401)
    } finally {
      await gw.close()
      if (target === 'pglite') {
        await gw.database.close()
      }
    }
  })
})

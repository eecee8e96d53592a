import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { AUDIT_ACTIONS } from '../../src/audit/audit-actions.js'
import { runDatabaseCommand } from '../../src/cli/embedded-access.js'
import { runKeysCreate } from '../../src/cli/keys-create.js'
import { runUnlock } from '../../src/cli/unlock.js'
import { parseConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { hashKey } from '../../src/keys/key-hash.js'
import type { AuditEvent, AuditEventPage } from '../../src/routes/v2/audit-events.js'
import { seedUser } from '../support/seed.js'
import { readSchema010Sql } from '../support/sql-files.js'
import { ADMIN_PASSWORD, startGateway, type TestGateway } from '../support/test-app.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

type Call = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; json: Record<string, unknown> }>

async function login(gw: TestGateway, username: string, password: string): Promise<string> {
  const res = await fetch(`${gw.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  expect(res.status).toBe(200)
  return (
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith('keygate_session='))
      ?.split(';')[0] ?? ''
  )
}

function session(gw: TestGateway, cookie: string): Call {
  return async (method, path, body) => {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: {
        cookie,
        'sec-fetch-site': 'same-origin',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, json: text === '' ? {} : JSON.parse(text) }
  }
}

/** Runs a CLI command in-process with the environment an operator would give it; output is swallowed. */
async function cli(
  env: Record<string, string>,
  run: (config: ReturnType<typeof configOf>) => Promise<number>,
): Promise<{ code: number; stdout: string }> {
  const out = vi.spyOn(console, 'log').mockImplementation(() => {})
  const err = vi.spyOn(console, 'error').mockImplementation(() => {})
  try {
    const code = await run(configOf(env))
    return { code, stdout: out.mock.calls.map((c) => c.join(' ')).join('\n') }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}

function configOf(env: Record<string, string>) {
  const parsed = parseConfig({ KEYGATE_BOOTSTRAP_PASSWORD: ADMIN_PASSWORD, ...env })
  if (!parsed.ok) {
    throw new Error(parsed.problems.join('; '))
  }
  return parsed.config
}

describe.each(dbTargets())('audit changes, actors and filters on %s', (target) => {
  let dataDir: string
  let testDb: TestDatabase
  let gw: TestGateway
  let admin: Call
  let adminId: number
  let doraId: number
  let keyId: number
  let modelId: number
  let editedScope: unknown
  let startedAt: string
  /** Every secret handled below: none may appear in any audit row. */
  const secrets: string[] = []

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keygate-audit-'))
    const env: Record<string, string> = { KEYGATE_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }
    if (target === 'postgres') {
      testDb = await createTestDatabase('postgres')
      env.DATABASE_URL = testDb.options.kind === 'postgres' ? testDb.options.url : ''
    } else {
      // The CLI opens <data dir>/pglite, one process at a time: it runs before the gateway opens it.
      testDb = {
        target: 'pglite',
        options: { kind: 'pglite', dataDir },
        open: () => openDatabase({ kind: 'pglite', dataDir }),
        drop: async () => {},
      }
    }
    const db = await testDb.open()
    await migrate(db)
    await seedUser(db.db, { username: 'cli-user' })
    await db.close()
    const created = await cli(env, (config) =>
      runDatabaseCommand(config, 'keys', runKeysCreate, [
        '--user',
        'cli-user',
        '--name',
        'from-cli',
      ]),
    )
    expect(created.code).toBe(0)
    secrets.push(created.stdout.trim(), hashKey(created.stdout.trim()))
    expect(
      (
        await cli(env, (config) =>
          runDatabaseCommand(config, 'unlock', runUnlock, ['--user', 'cli-user']),
        )
      ).code,
    ).toBe(0)

    gw = await startGateway(testDb)
    startedAt = new Date().toISOString()
    const cookie = await login(gw, 'admin', ADMIN_PASSWORD)
    secrets.push(ADMIN_PASSWORD, cookie.split('=')[1] ?? '')
    admin = session(gw, cookie)
    adminId = Number((await admin('GET', '/v2/users/me')).json.id)

    const dora = await admin('POST', '/v2/users', {
      username: 'dora',
      password: 'dora-first-pass-1',
    })
    expect(dora.status).toBe(201)
    doraId = Number(dora.json.id)
    const edited = await admin('PUT', `/v2/users/${doraId}`, {
      full_name: 'Dora Explorer',
      is_admin: true,
      password: 'dora-second-pass-2',
    })
    expect(edited.status).toBe(200)
    secrets.push('dora-first-pass-1', 'dora-second-pass-2')

    const key = await admin('POST', '/v2/api-keys', { name: 'laptop', scope: ['inference'] })
    expect(key.status).toBe(201)
    keyId = Number(key.json.id)
    secrets.push(String(key.json.value), hashKey(String(key.json.value)))
    const keyEdit = await admin('PUT', `/v2/api-keys/${keyId}`, {
      description: 'my laptop',
      scope: ['inference', 'management'],
      is_active: false,
    })
    expect(keyEdit.status).toBe(200)
    editedScope = keyEdit.json.scope

    const model = await admin('POST', '/v2/models', {
      name: 'diffed-model',
      backend: 'vllm',
      instances: [{ url: 'http://10.0.4.1:8000', api_key: 'engine-credential-aaa' }],
    })
    expect(model.status).toBe(201)
    modelId = Number(model.json.id)
    const modelEdit = await admin('PUT', `/v2/models/${modelId}`, {
      description: 'now described',
      allowed_user_ids: [doraId],
      access_policy: 'allowed_users',
      instances: [{ url: 'http://10.0.4.1:8000', api_key: 'engine-credential-bbb' }],
    })
    expect(modelEdit.status).toBe(200)
    secrets.push('engine-credential-aaa', 'engine-credential-bbb')
  })

  afterAll(async () => {
    await gw?.close()
    await testDb?.drop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const list = async (query: string): Promise<AuditEvent[]> => {
    const res = await admin('GET', `/v2/audit-events?perPage=1000${query}`)
    expect(res.status).toBe(200)
    return (res.json as unknown as AuditEventPage).items
  }
  const only = async (query: string): Promise<AuditEvent> => {
    const items = await list(query)
    expect(items).toHaveLength(1)
    return items[0] as AuditEvent
  }

  describe('changes', () => {
    it("records a user edit's old → new values, the password only as changed", async () => {
      const row = await only(`&action=user.update&target_id=${doraId}`)
      expect(row).toMatchObject({ actor_kind: 'user', actor_user_id: adminId, target_type: 'user' })
      expect(row.details).toEqual({
        username: 'dora',
        changes: {
          full_name: { old: '', new: 'Dora Explorer' },
          is_admin: { old: false, new: true },
          // An admin setting someone else's password makes them change it at next login.
          require_password_change: { old: false, new: true },
          password: { old: '[redacted]', new: '[redacted]' },
        },
      })
    })

    it("records a key edit's old → new values and nothing that did not change", async () => {
      const row = await only(`&action=api_key.update&target_id=${keyId}`)
      expect(row.details).toEqual({
        name: 'laptop',
        owner_user_id: adminId,
        changes: {
          description: { old: '', new: 'my laptop' },
          scope: { old: ['inference'], new: editedScope },
          is_active: { old: true, new: false },
        },
      })
    })

    it("records a model edit's old → new values; a new credential is a change shown redacted", async () => {
      const row = await only(`&action=model.update&target_id=${modelId}`)
      const instance = { url: 'http://10.0.4.1:8000', weight: 1, worker: '', api_key: '[redacted]' }
      expect(row.details).toEqual({
        name: 'diffed-model',
        changes: {
          description: { old: '', new: 'now described' },
          access_policy: { old: 'authed', new: 'allowed_users' },
          allowed_user_ids: { old: [], new: [doraId] },
          instances: { old: [instance], new: [instance] },
        },
      })
    })

    it('records an own password change as changed, without the password', async () => {
      const dora = session(gw, await login(gw, 'dora', 'dora-second-pass-2'))
      const res = await dora('POST', '/auth/update-password', {
        current_password: 'dora-second-pass-2',
        new_password: 'dora-third-pass-3',
      })
      expect(res.status).toBe(200)
      secrets.push('dora-third-pass-3')
      const row = await only(`&action=user.change_password&target_id=${doraId}`)
      expect(row).toMatchObject({ actor_user_id: doraId, actor_kind: 'user' })
      expect(row.details).toEqual({
        username: 'dora',
        changes: { password: { old: '[redacted]', new: '[redacted]' } },
      })
    })
  })

  describe('action names and actors', () => {
    it('uses only the listed <target>.<verb> names, in the API and in the table', async () => {
      const stored = await gw.database.db.selectFrom('audit_events').select('action').execute()
      expect(stored.length).toBeGreaterThan(8)
      for (const { action } of [...stored, ...(await list(''))]) {
        expect(AUDIT_ACTIONS).toContain(action)
      }
    })

    it('names the CLI as the actor of what the keygate command did', async () => {
      const rows = await list('&actor_kind=cli')
      expect(rows.map((r) => r.action).sort()).toEqual(['api_key.create', 'login.unlock'])
      for (const r of rows) {
        expect(r).toMatchObject({ actor_kind: 'cli', actor_user_id: null, actor_key_id: null })
      }
      const stored = await gw.database.db
        .selectFrom('audit_events')
        .select(['action', 'actor_kind'])
        .where('actor_kind', '=', 'cli')
        .execute()
      expect(stored).toHaveLength(2)
    })

    it('names the gateway itself as the actor of the bootstrap admin', async () => {
      const rows = await list('&actor_kind=system')
      expect(rows.map((r) => r.action)).toEqual(['user.bootstrap_admin'])
    })

    it('finds and renames a row a previous release wrote during a rolling upgrade (old name, no actor_kind)', async () => {
      await gw.database.db
        .insertInto('audit_events')
        .values({
          actor_user_id: adminId,
          action: 'user.updated',
          target_type: 'user',
          target_id: String(doraId),
          details: sql<string>`${JSON.stringify({ fields: ['full_name'] })}::text::jsonb`,
        })
        .execute()
      const rows = await list(`&action=user.update&target_id=${doraId}`)
      expect(rows).toHaveLength(2)
      expect(rows[0]).toMatchObject({
        action: 'user.update',
        actor_kind: 'user',
        details: { fields: ['full_name'] },
      })
      await gw.database.db.deleteFrom('audit_events').where('action', '=', 'user.updated').execute()
    })
  })

  describe('filters', () => {
    it('by actor: a user, the CLI, the system', async () => {
      const byAdmin = await list(`&actor_user_id=${adminId}`)
      expect(byAdmin.length).toBeGreaterThanOrEqual(6)
      expect(new Set(byAdmin.map((r) => r.actor_username))).toEqual(new Set(['admin']))
      const byUsers = await list('&actor_kind=user')
      expect(byUsers.every((r) => r.actor_user_id !== null)).toBe(true)
    })

    it('by target type and id, and by action', async () => {
      const models = await list('&target_type=model')
      expect(models.map((r) => r.action)).toEqual(['model.update', 'model.create'])
      const keyRows = await list(`&target_type=api_key&target_id=${keyId}`)
      expect(keyRows.map((r) => r.action)).toEqual(['api_key.update', 'api_key.create'])
      const creates = await list('&action=api_key.create')
      expect(creates.map((r) => r.actor_kind).sort()).toEqual(['cli', 'user'])
    })

    it('by time range', async () => {
      const since = await list(`&from=${encodeURIComponent(startedAt)}`)
      const everything = await list('')
      expect(since.length).toBeGreaterThan(0)
      // The CLI rows and the bootstrap were written before the gateway started.
      expect(since.length).toBeLessThan(everything.length)
      expect(since.some((r) => r.actor_kind === 'cli')).toBe(false)
      const before = await list(`&to=${encodeURIComponent(startedAt)}`)
      expect(before.length + since.length).toBe(everything.length)
    })

    it.each([
      ['?action=user.updated', 'action'],
      ['?action=anything', 'action'],
      ['?target_type=widget', 'target_type'],
      ['?actor_kind=robot', 'actor_kind'],
      ['?from=2026-05-02&to=2026-05-01', 'to'],
      ['?from=2026-05-02T10:00:00Z&to=2026-05-02T09:00:00Z', 'to'],
    ])('refuses %s with 422 naming %s', async (query, param) => {
      const res = await admin('GET', `/v2/audit-events${query}`)
      expect(res.status).toBe(422)
      expect(res.json.error).toMatchObject({ code: 'validation_error', param })
    })
  })

  describe('security', () => {
    it('holds no secret or hash in any audit row: passwords, hashes, key values, credentials, cookies', async () => {
      const db = gw.database.db
      const hashes = [
        ...(await db.selectFrom('users').select('password_hash').execute()).map(
          (r) => r.password_hash,
        ),
        ...(await db.selectFrom('api_keys').select('key_hash').execute()).map((r) => r.key_hash),
      ]
      const dump = await sql<{ t: string }>`
        select coalesce(string_agg(concat_ws(' ', action, target_type, target_id, details::text), E'\n'), '') as t
        from audit_events`.execute(db)
      const text = dump.rows[0]?.t ?? ''
      expect(text).toContain('Dora Explorer')
      for (const secret of [...secrets, ...hashes]) {
        expect(secret.length).toBeGreaterThan(8)
        expect(text).not.toContain(secret)
      }
      expect(text).not.toMatch(/scrypt|kg_[0-9a-f]{16}_/)
    })
  })
})

describe.each(dbTargets())(
  'migration 0006 on a database with older audit rows, on %s',
  (target) => {
    let testDb: TestDatabase
    afterAll(async () => {
      await testDb?.drop()
    })

    it('renames the actions to one style and classifies each row’s actor', async () => {
      testDb = await createTestDatabase(target)
      const database = await testDb.open()
      try {
        await database.execScript(await readSchema010Sql())
        const user = await seedUser(database.db, { username: 'old-admin', isAdmin: true })
        const rows: [number | null, string][] = [
          [user.id, 'user.created'],
          [user.id, 'user.updated'],
          [user.id, 'user.deleted'],
          [user.id, 'user.password_changed'],
          [user.id, 'api_key.create'],
          [null, 'api_key.create'],
          [null, 'user.admin_password_reset'],
          [null, 'login.unlock'],
          [null, 'user.bootstrap_admin'],
          [null, 'model.file_sync'],
        ]
        for (const [actor, action] of rows) {
          await database.db
            .insertInto('audit_events')
            .values({ actor_user_id: actor, action, target_type: 'user', target_id: '1' })
            .execute()
        }
        await migrate(database)
        const after = await database.db
          .selectFrom('audit_events')
          .select(['action', 'actor_kind'])
          .orderBy('id')
          .execute()
        expect(after).toEqual([
          { action: 'user.create', actor_kind: 'user' },
          { action: 'user.update', actor_kind: 'user' },
          { action: 'user.delete', actor_kind: 'user' },
          { action: 'user.change_password', actor_kind: 'user' },
          { action: 'api_key.create', actor_kind: 'user' },
          { action: 'api_key.create', actor_kind: 'cli' },
          { action: 'user.reset_admin_password', actor_kind: 'cli' },
          { action: 'login.unlock', actor_kind: 'cli' },
          { action: 'user.bootstrap_admin', actor_kind: 'system' },
          { action: 'model.sync_file', actor_kind: 'system' },
        ])
        for (const { action } of after) {
          expect(AUDIT_ACTIONS).toContain(action)
        }
      } finally {
        if (target === 'postgres') {
          await database.close()
        }
      }
    })
  },
)

import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedKey, seedUser } from '../support/seed.js'
import { startTestGateway, type TestGateway } from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

/**
 * A real database error on a write whose parameters hold a key's SHA-256 or a password hash (a CHECK constraint the
 * test adds makes the write fail, as any unmapped constraint or trigger would): the 500 and its error log line must
 * hold neither, nor the values they came from.
 */
describe.each(dbTargets())('secrets in 5xx logs on %s', (target) => {
  let gw: TestGateway
  let adminKey: string
  let bob: { id: number; password: string }
  const logs: string[] = []

  beforeAll(async () => {
    gw = await startTestGateway(target, { logDestination: { write: (l: string) => logs.push(l) } })
    const db = gw.database.db
    const admin = await db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'admin')
      .executeTakeFirstOrThrow()
    adminKey = (await seedKey(db, { userId: admin.id, scope: ['management'] })).value
    bob = await seedUser(db, { username: 'bob' })
    await sql`alter table api_keys add constraint test_refuse check (name <> 'doomed')`.execute(db)
    await sql`alter table users add constraint test_refuse check (full_name <> 'doomed')`.execute(
      db,
    )
    await gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await gw?.close()
  })

  async function call(method: string, path: string, body: unknown) {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return {
      status: res.status,
      requestId: res.headers.get('x-request-id'),
      text: await res.text(),
    }
  }

  function failureLine(requestId: string | null): Record<string, unknown> | undefined {
    return logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.requestId === requestId && l.msg === 'request failed')
  }

  async function auditText(): Promise<string> {
    const rows = await sql<{ d: string }>`select details::text as d from audit_events`.execute(
      gw.database.db,
    )
    return rows.rows.map((r) => r.d).join('\n')
  }

  it('logs a failed custom-key insert without the key, its SHA-256 or the row', async () => {
    const custom = 'Zq8-Lm0pW-team-custom-value-42'
    const hash = createHash('sha256').update(custom).digest('hex')
    const res = await call('POST', '/v2/api-keys', { name: 'doomed', custom })
    expect(res.status).toBe(500)
    expect(JSON.parse(res.text)).toEqual({
      error: {
        message: `Internal error (request id ${res.requestId}).`,
        type: 'server_error',
        param: null,
        code: 'internal_error',
      },
    })
    const line = failureLine(res.requestId)
    expect(line).toBeDefined()
    // Still says what failed.
    expect(JSON.stringify(line)).toContain('23514')
    expect(JSON.stringify(line)).toContain('test_refuse')
    const everything = logs.join('\n')
    expect(everything).not.toContain(hash)
    expect(everything).not.toContain(custom)
    expect(await auditText()).not.toContain(hash)
  })

  it('logs a failed password change without the new or the stored scrypt hash', async () => {
    const stored = await gw.database.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', bob.id)
      .executeTakeFirstOrThrow()
    const res = await call('PUT', `/v2/users/${bob.id}`, {
      full_name: 'doomed',
      password: 'a-brand-new-password',
    })
    expect(res.status).toBe(500)
    expect(failureLine(res.requestId)).toBeDefined()
    const everything = logs.join('\n')
    expect(everything).not.toContain('scrypt$')
    expect(everything).not.toContain(stored.password_hash)
    expect(everything).not.toContain('a-brand-new-password')
    expect(res.text).not.toContain('scrypt$')
    expect(await auditText()).not.toContain('scrypt$')
  })
})

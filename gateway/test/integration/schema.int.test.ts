import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TABLE_COLUMNS } from '../../src/db/tables.js'
import { startTestGateway, type TestGateway } from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

describe.each(dbTargets())('schema on %s', (target) => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startTestGateway(target)
  })
  afterAll(async () => {
    await gw?.close()
  })

  it('has exactly the tables and columns that db/tables.ts declares', async () => {
    const rows = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
      where table_schema = 'public' and table_name not like 'kysely\\_migration%'
      order by table_name, ordinal_position`.execute(gw.database.db)
    const actual: Record<string, string[]> = {}
    for (const r of rows.rows) {
      actual[r.table_name] ??= []
      actual[r.table_name]?.push(r.column_name)
    }
    const expected = Object.fromEntries(
      Object.entries(TABLE_COLUMNS).map(([t, cols]) => [t, [...cols]]),
    )
    expect(actual).toEqual(expected)
  })

  it('finds nothing to migrate at a second start', async () => {
    const { migrate } = await import('../../src/db/migrate.js')
    await expect(migrate(gw.database)).resolves.toEqual({ applied: [], newer: [] })
  })

  it('answers /healthz and /readyz with x-request-id', async () => {
    const health = await fetch(`${gw.url}/healthz`)
    expect(health.status).toBe(200)
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const ready = await fetch(`${gw.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      checks: { database: true, keyCache: true },
    })
  })

  it('answers an unknown API path with a 404 in the OpenAI envelope', async () => {
    const res = await fetch(`${gw.url}/v1/tokenize`, { method: 'POST', body: '{}' })
    expect([401, 404]).toContain(res.status)
    const body = (await res.json()) as { error: Record<string, unknown> }
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type'])
    expect(res.headers.get('x-request-id')).toBeTruthy()
  })
})

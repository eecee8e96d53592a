import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeEngine, startFakeEngine } from '../support/fake-engine.js'
import { type SeededKey, seedKey, seedModel, seedUser } from '../support/seed.js'
import { startGateway, type TestGateway } from '../support/test-app.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

/**
 * Renaming a model carries every key allowlist that names it, in the rename's transaction, and the other replica's
 * key cache follows through the change feed (its safety refresh is 10 minutes, so only the feed can explain it).
 */
describe.each(dbTargets())('a model rename carries the key allowlists on %s', (target) => {
  let testDb: TestDatabase
  let engine: FakeEngine
  let a: TestGateway
  let b: TestGateway
  let adminKey: SeededKey
  let limited: SeededKey
  let other: SeededKey
  let modelId: number

  async function call(
    gw: TestGateway,
    key: SeededKey,
    method: string,
    path: string,
    body?: unknown,
  ) {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key.value}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return {
      status: res.status,
      json: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
    }
  }

  const chat = (gw: TestGateway, key: SeededKey, model: string) =>
    call(gw, key, 'POST', '/v1/chat/completions', {
      model,
      messages: [{ role: 'user', content: 'hi' }],
    })

  beforeAll(async () => {
    engine = await startFakeEngine({ flavour: 'vllm', script: { kind: 'normal' } })
    testDb = await createTestDatabase(target)
    const slow = { env: { KEYGATE_KEY_REFRESH_MS: '600000' } }
    a = await startGateway(testDb, slow)
    b = await startGateway(testDb, slow)
    const db = a.database.db
    const admin = await seedUser(db, { isAdmin: true })
    const user = await seedUser(db)
    adminKey = await seedKey(db, { userId: admin.id, scope: ['management', 'inference'] })
    limited = await seedKey(db, {
      userId: user.id,
      scope: ['management', 'inference'],
      allowedModelNames: ['chat-old', 'other-model'],
    })
    other = await seedKey(db, { userId: user.id, allowedModelNames: ['other-model'] })
    modelId = (await seedModel(db, { name: 'chat-old', instances: [{ url: engine.url }] })).id
    await seedModel(db, { name: 'other-model', instances: [{ url: engine.url }] })
    await a.deps.changes.catchUp()
    await b.deps.changes.catchUp()
  })

  afterAll(async () => {
    await b?.close()
    await a?.close()
    await testDb?.drop()
    await engine?.close()
  })

  it('counts the allowlists a rename would carry', async () => {
    const res = await call(a, adminKey, 'GET', `/v2/models/${modelId}/key-allowlists`)
    expect(res).toEqual({ status: 200, json: { model: 'chat-old', key_count: 1 } })
    expect((await call(a, limited, 'GET', `/v2/models/${modelId}/key-allowlists`)).status).toBe(403)
    expect((await call(a, adminKey, 'GET', '/v2/models/999999/key-allowlists')).status).toBe(404)
  })

  it('keeps the key working under the new name, on the replica that renamed and on the other', async () => {
    // Both replicas hold the key's policy (with the old allowlist) in their caches.
    expect((await chat(a, limited, 'chat-old')).status).toBe(200)
    expect((await chat(b, limited, 'chat-old')).status).toBe(200)

    const renamed = await call(a, adminKey, 'PUT', `/v2/models/${modelId}`, { name: 'chat-new' })
    expect(renamed.status).toBe(200)

    const key = await call(a, limited, 'GET', `/v2/api-keys/${limited.id}`)
    expect(key.json.allowed_model_names).toEqual(['chat-new', 'other-model'])
    expect((await chat(a, limited, 'chat-new')).status).toBe(200)
    expect((await chat(a, limited, 'chat-old')).status).toBe(404)

    await b.deps.changes.catchUp()
    expect((await chat(b, limited, 'chat-new')).status).toBe(200)
    expect((await chat(b, limited, 'chat-old')).status).toBe(404)
    // A key whose allowlist did not name the model is untouched.
    expect((await chat(b, other, 'other-model')).status).toBe(200)
    expect((await chat(b, other, 'chat-new')).status).toBe(404)
  })

  it('records the rename with what it carried in the audit log', async () => {
    const rows = await a.database.db
      .selectFrom('audit_events')
      .select('details')
      .where('action', '=', 'model.update')
      .where('target_id', '=', String(modelId))
      .execute()
    expect(rows.map((r) => r.details)).toEqual([
      expect.objectContaining({
        name: 'chat-new',
        changes: expect.objectContaining({ name: { old: 'chat-old', new: 'chat-new' } }),
        key_allowlists_renamed: 1,
      }),
    ])
  })

  it('merges the name into an allowlist that already names the new one', async () => {
    const both = await seedKey(a.database.db, {
      userId: (await seedUser(a.database.db)).id,
      allowedModelNames: ['chat-new', 'chat-newer'],
    })
    await a.deps.changes.catchUp()
    expect(
      (await call(a, adminKey, 'PUT', `/v2/models/${modelId}`, { name: 'chat-newer' })).status,
    ).toBe(200)
    const row = await a.database.db
      .selectFrom('api_keys')
      .select('allowed_model_names')
      .where('id', '=', both.id)
      .executeTakeFirstOrThrow()
    expect(row.allowed_model_names).toEqual(['chat-newer'])
    expect((await chat(a, both, 'chat-newer')).status).toBe(200)
  })
})

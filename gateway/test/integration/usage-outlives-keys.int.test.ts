import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UsageItem, UsageReport } from '../../src/routes/v2/usage.js'
import { type FakeEngine, startFakeEngine } from '../support/fake-engine.js'
import { type SeededKey, type SeededUser, seedKey, seedModel, seedUser } from '../support/seed.js'
import { startTestGateway } from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

const BOTH: ('inference' | 'management')[] = ['inference', 'management']

describe.each(dbTargets())('usage outlives its key and its owner on %s', (target) => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>
  let engine: FakeEngine
  let carol: SeededUser
  let carolMain: SeededKey
  let carolGone: SeededKey
  let adminKey: SeededKey

  async function call(key: SeededKey, method: string, path: string, body?: unknown) {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key.value}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) }
  }

  async function chat(key: SeededKey) {
    const res = await call(key, 'POST', '/v1/chat/completions', {
      model: 'chat',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(res.status).toBe(200)
  }

  async function report(key: SeededKey, query: string): Promise<UsageItem[]> {
    const res = await call(key, 'GET', `/v2/usage${query}`)
    expect(res.status).toBe(200)
    return (res.json as UsageReport).items
  }

  const totalRequests = (items: UsageItem[]) => items.reduce((n, i) => n + i.requests, 0)

  beforeAll(async () => {
    engine = await startFakeEngine({ flavour: 'vllm', script: { kind: 'normal' } })
    gw = await startTestGateway(target)
    const db = gw.database.db
    carol = await seedUser(db, { username: 'carol' })
    const admin = await seedUser(db, { username: 'root', isAdmin: true })
    carolMain = await seedKey(db, { userId: carol.id, name: 'main', scope: BOTH })
    carolGone = await seedKey(db, { userId: carol.id, name: 'soon-gone' })
    adminKey = await seedKey(db, { userId: admin.id, name: 'ops', scope: BOTH })
    await seedModel(db, { name: 'chat', instances: [{ url: engine.url }] })
    await gw.deps.changes.catchUp()
    await chat(carolMain)
    await chat(carolGone)
    await chat(carolGone)
  })

  afterAll(async () => {
    await gw?.close()
    await engine?.close()
  })

  it("keeps a deleted key's usage, under its name and owner, for its owner and for an admin", async () => {
    const before = await report(adminKey, '?user_id=*')
    expect(totalRequests(before)).toBe(3)

    expect((await call(carolMain, 'DELETE', `/v2/api-keys/${carolGone.id}`)).status).toBe(204)

    const gone = {
      api_key_id: carolGone.id,
      api_key_name: 'soon-gone',
      user_id: carol.id,
      username: 'carol',
      api_key_deleted: true,
      requests: 2,
    }
    expect(await report(carolMain, '')).toEqual(
      expect.arrayContaining([
        expect.objectContaining(gone),
        expect.objectContaining({ api_key_id: carolMain.id, api_key_deleted: false, requests: 1 }),
      ]),
    )
    expect(await report(adminKey, '?user_id=*')).toEqual(
      expect.arrayContaining([expect.objectContaining(gone)]),
    )
    expect(await report(adminKey, `?user_id=${carol.id}`)).toHaveLength(2)
    expect(totalRequests(await report(adminKey, '?user_id=*&group_by=model'))).toBe(3)
    expect(await report(carolMain, `?api_key_id=${carolGone.id}`)).toEqual([
      expect.objectContaining(gone),
    ])
  })

  it("keeps the usage and the audit trail of a deleted user's keys; the totals never shrink", async () => {
    // main's usage grows before its owner goes.
    await chat(carolMain)
    expect(totalRequests(await report(adminKey, '?user_id=*&group_by=day'))).toBe(4)

    expect((await call(adminKey, 'DELETE', `/v2/users/${carol.id}`)).status).toBe(204)

    const items = await report(adminKey, '?user_id=*')
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          api_key_id: carolMain.id,
          api_key_name: 'main',
          user_id: carol.id,
          username: 'carol',
          api_key_deleted: true,
          requests: 2,
        }),
        expect.objectContaining({ api_key_id: carolGone.id, username: 'carol', requests: 2 }),
      ]),
    )
    expect(totalRequests(items)).toBe(4)
    expect(totalRequests(await report(adminKey, '?user_id=*&group_by=model'))).toBe(4)
    expect(await report(adminKey, `?user_id=${carol.id}`)).toHaveLength(2)

    const audit = await gw.database.db
      .selectFrom('audit_events')
      .select('action')
      .where((eb) =>
        eb.or([
          eb.and([eb('target_type', '=', 'user'), eb('target_id', '=', String(carol.id))]),
          eb('actor_user_id', '=', carol.id),
        ]),
      )
      .execute()
    expect(audit.map((a) => a.action).sort()).toEqual(['api_key.delete', 'user.delete'])
  })

  it("writes usage buffered before its key's deletion, under the key's name", async () => {
    // The deletion happened above; a request counted but not yet written then reaches the database.
    gw.deps.usage.record({
      keyId: carolGone.id,
      model: 'chat',
      promptTokens: 1,
      completionTokens: 1,
      isError: false,
    })
    const items = await report(adminKey, `?user_id=*&api_key_id=${carolGone.id}`)
    expect(items).toEqual([
      expect.objectContaining({ api_key_name: 'soon-gone', username: 'carol', requests: 3 }),
    ])
  })
})

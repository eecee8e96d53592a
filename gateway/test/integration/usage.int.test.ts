import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiKey } from '../../src/keys/api-key-view.js'
import type { UsageReport } from '../../src/routes/v2/usage.js'
import { writeUsage } from '../../src/usage/usage-writer.js'
import { ENGINE_ERRORS, type FakeEngine, startFakeEngine } from '../support/fake-engine.js'
import { type SeededKey, seedKey, seedModel, seedUser } from '../support/seed.js'
import { startTestGateway } from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

interface Tokens {
  prompt_tokens: number
  completion_tokens: number
}

const today = () => new Date().toISOString().slice(0, 10)

describe.each(dbTargets())('usage per key on %s', (target) => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>
  let vllm: FakeEngine
  let llama: FakeEngine
  let aliceMain: SeededKey
  let aliceSide: SeededKey
  let bobKey: SeededKey
  let adminKey: SeededKey
  /** What the fake engines reported, per key id and model, summed by the test from the responses. */
  const reported = new Map<
    string,
    { requests: number; prompt: number; completion: number; errors: number }
  >()

  function count(key: SeededKey, model: string, tokens: Tokens | undefined, isError = false) {
    const id = `${key.id}|${model}`
    const row = reported.get(id) ?? { requests: 0, prompt: 0, completion: 0, errors: 0 }
    row.requests += 1
    row.prompt += tokens?.prompt_tokens ?? 0
    row.completion += tokens?.completion_tokens ?? 0
    row.errors += isError ? 1 : 0
    reported.set(id, row)
  }

  async function chat(
    key: SeededKey,
    model: string,
    options: { stream?: boolean; fail?: boolean } = {},
  ) {
    const body: Record<string, unknown> = {
      model,
      messages: [{ role: 'user', content: options.fail ? 'please fail' : 'hi' }],
    }
    if (options.stream) {
      // Ask for the usage frame, so the test sees what the engine reported.
      Object.assign(body, { stream: true, stream_options: { include_usage: true } })
    }
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.value}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const text = await res.text()
    if (res.status !== 200) {
      count(key, model, undefined, true)
      return res.status
    }
    let usage: Tokens | undefined
    if (options.stream) {
      for (const line of text.split('\n')) {
        if (line.startsWith('data: {') && line.includes('"usage"')) {
          usage = (JSON.parse(line.slice(6)) as { usage?: Tokens | null }).usage ?? usage
        }
      }
    } else {
      usage = (JSON.parse(text) as { usage: Tokens }).usage
    }
    expect(usage?.completion_tokens).toBeGreaterThan(0)
    count(key, model, usage)
    return res.status
  }

  async function usage(key: SeededKey, query: string) {
    const res = await fetch(`${gw.url}/v2/usage${query}`, {
      headers: { authorization: `Bearer ${key.value}` },
    })
    return {
      status: res.status,
      body: (await res.json()) as UsageReport & { error?: { code: string; param: string } },
    }
  }

  beforeAll(async () => {
    const failWhenAsked = (rec: { body: Buffer }) =>
      rec.body.toString().includes('please fail')
        ? ENGINE_ERRORS.vllmContextTooLong
        : ({ kind: 'normal' } as const)
    vllm = await startFakeEngine({ flavour: 'vllm', script: failWhenAsked })
    llama = await startFakeEngine({
      flavour: 'llamacpp',
      script: { kind: 'normal', tokens: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] },
    })
    gw = await startTestGateway(target)
    const db = gw.database.db
    const alice = await seedUser(db, { username: 'alice' })
    const bob = await seedUser(db, { username: 'bob' })
    const admin = await seedUser(db, { username: 'root', isAdmin: true })
    const both: ('inference' | 'management')[] = ['inference', 'management']
    aliceMain = await seedKey(db, { userId: alice.id, name: 'main', scope: both })
    aliceSide = await seedKey(db, { userId: alice.id, name: 'side' })
    bobKey = await seedKey(db, { userId: bob.id, name: 'bobs', scope: both })
    adminKey = await seedKey(db, { userId: admin.id, name: 'ops', scope: both })
    await seedModel(db, { name: 'chat-v', instances: [{ url: vllm.url }] })
    await seedModel(db, { name: 'chat-l', backend: 'llama.cpp', instances: [{ url: llama.url }] })
    await gw.deps.changes.catchUp()

    expect(await chat(aliceMain, 'chat-v')).toBe(200)
    expect(await chat(aliceMain, 'chat-v', { stream: true })).toBe(200)
    expect(await chat(aliceMain, 'chat-l', { stream: true })).toBe(200)
    expect(await chat(aliceMain, 'chat-l')).toBe(200)
    expect(await chat(aliceMain, 'chat-v', { fail: true })).toBe(400)
    expect(await chat(aliceSide, 'chat-v', { stream: true })).toBe(200)
    expect(await chat(bobKey, 'chat-l')).toBe(200)
  })
  afterAll(async () => {
    await gw?.close()
    await vllm?.close()
    await llama?.close()
  })

  describe('happy', () => {
    it('reports per key exactly what the engines reported, streaming and not, errors included', async () => {
      const { status, body } = await usage(aliceMain, '?group_by=api_key,model')
      expect(status).toBe(200)
      expect(body.from <= today() && body.to === today()).toBe(true)
      const expected = [...reported]
        .filter(([id]) => id.startsWith(`${aliceMain.id}|`) || id.startsWith(`${aliceSide.id}|`))
        .map(([id, r]) => {
          const [keyId, model] = id.split('|')
          return {
            api_key_id: Number(keyId),
            api_key_name: Number(keyId) === aliceMain.id ? 'main' : 'side',
            username: 'alice',
            api_key_deleted: false,
            model,
            requests: r.requests,
            prompt_tokens: r.prompt,
            completion_tokens: r.completion,
            errors: r.errors,
            refused: 0,
            cost: null,
          }
        })
      expect(body.items.map(({ user_id: _, ...rest }) => rest)).toEqual(
        expect.arrayContaining(expected),
      )
      expect(body.items).toHaveLength(expected.length)
      const main = body.items.filter((i) => i.api_key_id === aliceMain.id)
      expect(main.reduce((n, i) => n + i.requests, 0)).toBe(5)
      expect(main.reduce((n, i) => n + i.errors, 0)).toBe(1)
      expect(main.find((i) => i.model === 'chat-l')?.completion_tokens).toBe(14)
    })

    it('groups by model and by day, over the caller’s keys only', async () => {
      const byModel = await usage(aliceMain, '?group_by=model')
      expect(byModel.body.items.map((i) => [i.model, i.requests])).toEqual([
        ['chat-l', 2],
        ['chat-v', 4],
      ])
      const byDay = await usage(aliceMain, '?group_by=day')
      expect(byDay.body.items).toEqual([
        expect.objectContaining({ day: today(), requests: 6, errors: 1 }),
      ])
    })

    it('sets last_used_at on the keys that were used', async () => {
      const res = await fetch(`${gw.url}/v2/api-keys`, {
        headers: { authorization: `Bearer ${aliceMain.value}` },
      })
      const items = ((await res.json()) as { items: ApiKey[] }).items
      const used = items.find((k) => k.id === aliceMain.id)?.last_used_at
      expect(used).not.toBeNull()
      expect(Math.abs(Date.parse(used ?? '') - Date.now())).toBeLessThan(120_000)
    })

    it('lets an admin see everyone’s usage with user_id=* and one user’s with user_id=N', async () => {
      const all = await usage(adminKey, '?group_by=api_key&user_id=*')
      expect(all.body.items.map((i) => i.api_key_name).sort()).toEqual(['bobs', 'main', 'side'])
      const own = await usage(adminKey, '?group_by=api_key')
      expect(own.body.items).toEqual([])
      const bobs = await usage(
        adminKey,
        `?group_by=api_key&user_id=${all.body.items.find((i) => i.api_key_name === 'bobs')?.user_id}`,
      )
      expect(bobs.body.items.map((i) => i.api_key_name)).toEqual(['bobs'])
    })

    it('filters by date range, key and model', async () => {
      const past = await usage(aliceMain, '?group_by=api_key&from=2020-01-01&to=2020-01-31')
      expect(past).toMatchObject({
        status: 200,
        body: { items: [], from: '2020-01-01', to: '2020-01-31' },
      })
      const one = await usage(aliceMain, `?group_by=model&api_key_id=${aliceSide.id}&model=chat-v`)
      expect(one.body.items).toEqual([expect.objectContaining({ model: 'chat-v', requests: 1 })])
    })

    it('writes usage of a key deleted before the flush for no one, and still writes the others', async () => {
      const db = gw.database.db
      const row = (keyId: number) => ({
        keyId,
        model: 'chat-v',
        day: '2021-06-01',
        requests: 1,
        promptTokens: 2,
        completionTokens: 3,
        errors: 0,
        refused: 0,
        lastUsedMs: Date.parse('2021-06-01T10:00:00Z'),
      })
      await writeUsage(db, [row(bobKey.id), row(999_999_999)])
      const rows = await db
        .selectFrom('usage_daily')
        .select(['api_key_id'])
        .where('day', '=', '2021-06-01')
        .execute()
      expect(rows.map((r) => r.api_key_id)).toEqual([bobKey.id])
      // An older request never moves last_used_at backwards.
      const key = await db
        .selectFrom('api_keys')
        .select('last_used_at')
        .where('id', '=', bobKey.id)
        .executeTakeFirstOrThrow()
      expect(key.last_used_at?.getTime()).toBeGreaterThan(Date.parse('2021-06-02T00:00:00Z'))
    })
  })

  describe('errors', () => {
    it.each([
      ['?group_by=user', 'group_by'],
      ['?group_by=api_key,nope', 'group_by'],
      ['?from=2026-13-01', 'from'],
      ['?to=yesterday', 'to'],
      ['?from=2026-02-10&to=2026-02-01', 'from'],
      ['?from=2020-01-01&to=2026-01-01', 'from'],
      ['?api_key_id=abc', 'api_key_id'],
    ])('refuses %s with 422 naming %s', async (query, param) => {
      const { status, body } = await usage(aliceMain, query)
      expect(status).toBe(422)
      expect(body.error).toMatchObject({ code: 'validation_error', param })
    })
  })

  describe('security', () => {
    it('never shows a user another user’s keys', async () => {
      const bob = await usage(bobKey, '?group_by=api_key')
      expect(bob.body.items.map((i) => i.api_key_name)).toEqual(['bobs'])
      const probe = await usage(bobKey, `?group_by=api_key&api_key_id=${aliceMain.id}`)
      expect(probe.body.items).toEqual([])
    })

    it('refuses user_id of someone else to a non-admin with 403', async () => {
      const { status, body } = await usage(bobKey, '?user_id=*')
      expect(status).toBe(403)
      expect(body.error?.code).toBe('insufficient_permissions')
    })

    it('refuses an inference-only key with 403', async () => {
      expect((await usage(aliceSide, '')).status).toBe(403)
    })
  })
})

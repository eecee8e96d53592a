import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiKey, CreatedApiKey } from '../../src/keys/api-key-view.js'
import type { AuditEventPage } from '../../src/routes/v2/audit-events.js'
import type { SettingsJson } from '../../src/settings/settings-view.js'
import { pollUntil } from '../support/poll.js'
import { seedKey, seedUser } from '../support/seed.js'
import { startTestGateway, type TestGateway } from '../support/test-app.js'
import { dbTargets } from '../support/test-db.js'

/**
 * A key's life after creation on one replica: rotation (with and without a grace period, to a custom value),
 * rename, metadata and its list filter, the expiring-soon filter and gauge, the lifetime policy in /v2/settings,
 * and the audit rows each of these writes. Two replicas: key-rotation-replicas.int.test.ts; address allowlists:
 * key-ip-allowlist.int.test.ts.
 */

type Json = Record<string, unknown> & {
  error?: { code: string; param: string | null; message: string; type: string }
}

const DAY_S = 86_400

function client(gw: TestGateway) {
  return async function call(key: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return {
      status: res.status,
      headers: res.headers,
      json: (text === '' ? {} : JSON.parse(text)) as Json,
    }
  }
}

describe.each(dbTargets())('key lifecycle on %s', (target) => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>
  let call: ReturnType<typeof client>
  let admin: { id: number; key: string }
  let bob: { id: number; key: string }

  async function create(key: string, body: Record<string, unknown>) {
    const res = await call(key, 'POST', '/v2/api-keys', {
      name: `k-${Math.random()}`,
      scope: ['management', 'inference'],
      ...body,
    })
    expect(res.status, JSON.stringify(res.json)).toBe(201)
    return res.json as unknown as CreatedApiKey
  }

  async function statusOf(value: string): Promise<number> {
    return (await call(value, 'GET', '/v2/users/me')).status
  }

  async function auditActions(targetId: number): Promise<AuditEventPage['items']> {
    const res = await call(
      admin.key,
      'GET',
      `/v2/audit-events?target_type=api_key&target_id=${targetId}&perPage=100`,
    )
    expect(res.status).toBe(200)
    return (res.json as unknown as AuditEventPage).items
  }

  beforeAll(async () => {
    gw = await startTestGateway(target)
    call = client(gw)
    const db = gw.database.db
    const a = await seedUser(db, { isAdmin: true })
    admin = {
      id: a.id,
      key: (await seedKey(db, { userId: a.id, scope: ['management', 'inference'] })).value,
    }
    const b = await seedUser(db)
    bob = {
      id: b.id,
      key: (await seedKey(db, { userId: b.id, scope: ['management', 'inference'] })).value,
    }
    await gw.deps.changes.catchUp()
  })
  afterAll(async () => {
    await gw?.close()
  })

  describe('rotate', () => {
    it('gives a new value once and keeps id, name, permissions, allowlists, metadata and usage', async () => {
      const key = await create(bob.key, {
        name: 'ci',
        scope: ['inference'],
        allowed_model_names: ['qwen3'],
        metadata: { team: 'ml' },
        allowed_ips: ['127.0.0.1/32'],
        expires_in: 30 * DAY_S,
      })
      await gw.database.db
        .insertInto('usage_daily')
        .values({ api_key_id: key.id, model: 'qwen3', day: '2026-11-30', requests: 3 })
        .execute()
      const res = await call(bob.key, 'POST', `/v2/api-keys/${key.id}/rotate`, {})
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('no-store')
      const rotated = res.json as unknown as CreatedApiKey
      expect(rotated.value).toMatch(/^kg_[0-9a-f]{16}_[0-9a-f]{32}$/)
      expect(rotated.value).not.toBe(key.value)
      expect(rotated.masked_value).not.toBe(key.masked_value)
      expect(rotated).toMatchObject({
        id: key.id,
        name: 'ci',
        scope: ['inference'],
        allowed_model_names: ['qwen3'],
        metadata: { team: 'ml' },
        allowed_ips: ['127.0.0.1/32'],
        expires_at: key.expires_at,
        is_active: true,
        previous_value_expires_at: null,
      })
      const usage = await gw.database.db
        .selectFrom('usage_daily')
        .select('requests')
        .where('api_key_id', '=', key.id)
        .execute()
      expect(usage).toEqual([{ requests: 3 }])
      // Never again: the GET shows the masked value only.
      const read = await call(bob.key, 'GET', `/v2/api-keys/${key.id}`)
      expect(JSON.stringify(read.json)).not.toContain(rotated.value)
    })

    it('with no grace (the default, also without a body) refuses the old value at once', async () => {
      const key = await create(bob.key, {})
      expect(await statusOf(key.value)).toBe(200)
      const res = await fetch(`${gw.url}/v2/api-keys/${key.id}/rotate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bob.key}` },
      })
      expect(res.status).toBe(200)
      const rotated = (await res.json()) as CreatedApiKey
      expect(await statusOf(key.value)).toBe(401)
      expect(await statusOf(rotated.value)).toBe(200)
    })

    it('with a grace period accepts both values until it ends, then only the new one', async () => {
      const key = await create(bob.key, {})
      expect(await statusOf(key.value)).toBe(200)
      const res = await call(bob.key, 'POST', `/v2/api-keys/${key.id}/rotate`, {
        grace_seconds: 2,
      })
      expect(res.status).toBe(200)
      const rotated = res.json as unknown as CreatedApiKey
      expect(rotated.previous_value_expires_at).not.toBeNull()
      expect(await statusOf(rotated.value)).toBe(200)
      const graceEnds = Date.parse(rotated.previous_value_expires_at ?? '')
      if (Date.now() < graceEnds - 500) {
        expect(await statusOf(key.value)).toBe(200)
      }
      await pollUntil(async () => (await statusOf(key.value)) === 401, 'old value refused', 10_000)
      const refused = await call(key.value, 'GET', '/v2/users/me')
      expect(refused.json.error?.code).toBe('invalid_api_key')
      expect(await statusOf(rotated.value)).toBe(200)
    })

    it('a second rotation ends the first one’s grace at once: never more than two values', async () => {
      const key = await create(bob.key, {})
      const first = (await call(bob.key, 'POST', `/v2/api-keys/${key.id}/rotate`, {
        grace_seconds: 3600,
      })) as { json: Json }
      const firstValue = (first.json as unknown as CreatedApiKey).value
      expect(await statusOf(key.value)).toBe(200)
      const second = await call(bob.key, 'POST', `/v2/api-keys/${key.id}/rotate`, {
        grace_seconds: 3600,
      })
      expect(second.status).toBe(200)
      expect(await statusOf(key.value)).toBe(401)
      expect(await statusOf(firstValue)).toBe(200)
      expect(await statusOf((second.json as unknown as CreatedApiKey).value)).toBe(200)
    })

    it('disabling or deleting the key refuses the previous value during its grace too', async () => {
      const key = await create(bob.key, {})
      const rotated = await call(bob.key, 'POST', `/v2/api-keys/${key.id}/rotate`, {
        grace_seconds: 3600,
      })
      expect(await statusOf(key.value)).toBe(200)
      expect(
        (await call(bob.key, 'PUT', `/v2/api-keys/${key.id}`, { is_active: false })).status,
      ).toBe(200)
      expect(await statusOf(key.value)).toBe(401)
      expect(await statusOf((rotated.json as unknown as CreatedApiKey).value)).toBe(401)
      expect((await call(bob.key, 'DELETE', `/v2/api-keys/${key.id}`)).status).toBe(204)
      expect(await statusOf(key.value)).toBe(401)
    })

    it('refuses a grace out of range with 422 naming the field', async () => {
      const key = await create(bob.key, {})
      for (const grace of [-1, 604_801, 1.5, '60']) {
        const res = await call(bob.key, 'POST', `/v2/api-keys/${key.id}/rotate`, {
          grace_seconds: grace,
        })
        expect(res.status).toBe(422)
        expect(res.json.error?.param).toBe('grace_seconds')
      }
      const max = await call(bob.key, 'POST', `/v2/api-keys/${key.id}/rotate`, {
        grace_seconds: 604_800,
      })
      expect(max.status).toBe(200)
      expect(await statusOf(key.value)).toBe(200)
    })

    it('rotates to a custom value with the creation rules; a taken or weak one is refused', async () => {
      const key = await create(bob.key, {})
      const custom = 'Rotated-Custom-Value-0001'
      const res = await call(bob.key, 'POST', `/v2/api-keys/${key.id}/rotate`, {
        custom_key: custom,
      })
      expect(res.status).toBe(200)
      expect(res.json).toMatchObject({ value: custom, is_custom: true, masked_value: '…0001' })
      expect(await statusOf(custom)).toBe(200)
      expect(await statusOf(key.value)).toBe(401)

      const weak = await call(bob.key, 'POST', `/v2/api-keys/${key.id}/rotate`, {
        custom_key: 'short',
      })
      expect(weak.status).toBe(422)
      expect(weak.json.error?.param).toBe('custom_key')
      expect(weak.json.error?.message).toContain('at least 16')

      const other = await create(bob.key, {})
      const taken = await call(bob.key, 'POST', `/v2/api-keys/${other.id}/rotate`, {
        custom_key: custom,
      })
      expect(taken.status).toBe(409)
      expect(taken.json.error?.param).toBe('custom_key')
      expect(JSON.stringify(taken.json)).not.toContain(custom)
      // A value still in its grace period is taken too.
      const graced = await create(bob.key, { custom: 'Graced-Custom-Value-0002' })
      await call(bob.key, 'POST', `/v2/api-keys/${graced.id}/rotate`, { grace_seconds: 3600 })
      const reuse = await call(bob.key, 'POST', '/v2/api-keys', {
        name: 'reuse',
        custom: 'Graced-Custom-Value-0002',
      })
      expect(reuse.status).toBe(409)
      expect(await statusOf('Graced-Custom-Value-0002')).toBe(200)
    })

    it("is 404 for another user's key; an admin may rotate any key", async () => {
      const key = await create(bob.key, {})
      const adminsKey = await create(admin.key, {})
      expect((await call(bob.key, 'POST', `/v2/api-keys/${adminsKey.id}/rotate`, {})).status).toBe(
        404,
      )
      expect((await call(admin.key, 'POST', `/v2/api-keys/${key.id}/rotate`, {})).status).toBe(200)
      expect((await call(bob.key, 'POST', '/v2/api-keys/999999/rotate', {})).status).toBe(404)
    })

    it('writes an api_key.rotate audit row without any value', async () => {
      const key = await create(bob.key, {})
      const rotated = await call(bob.key, 'POST', `/v2/api-keys/${key.id}/rotate`, {
        grace_seconds: 60,
      })
      const rows = await auditActions(key.id)
      const rotate = rows.find((e) => e.action === 'api_key.rotate')
      expect(rotate?.details).toMatchObject({ grace_seconds: 60, is_custom: false })
      const text = JSON.stringify(rows)
      expect(text).not.toContain(key.value)
      expect(text).not.toContain((rotated.json as unknown as CreatedApiKey).value)
    })
  })

  describe('rename and metadata', () => {
    it('renames a key; a name the owner already uses is 409; an audit row says from and to', async () => {
      const key = await create(bob.key, { name: 'before' })
      await create(bob.key, { name: 'taken' })
      const renamed = await call(bob.key, 'PUT', `/v2/api-keys/${key.id}`, { name: ' after ' })
      expect(renamed.status).toBe(200)
      expect(renamed.json.name).toBe('after')
      const clash = await call(bob.key, 'PUT', `/v2/api-keys/${key.id}`, { name: 'taken' })
      expect(clash.status).toBe(409)
      expect(clash.json.error?.param).toBe('name')
      // Names are unique per owner: the admin may use "taken" for a key of their own.
      await create(admin.key, { name: 'taken' })
      const rows = await auditActions(key.id)
      expect(rows.find((e) => e.action === 'api_key.rename')?.details).toEqual({
        name: 'before',
        changes: { name: { old: 'before', new: 'after' } },
      })
      expect(await statusOf(key.value)).toBe(200)
    })

    it('stores metadata and allowed_ips, audits the change, and filters lists on metadata', async () => {
      const ml = await create(bob.key, { metadata: { team: 'f-ml', env: 'f-prod' } })
      const web = await create(bob.key, { metadata: { team: 'f-web' } })
      const edited = await call(bob.key, 'PUT', `/v2/api-keys/${web.id}`, {
        metadata: { team: 'f-web', env: 'f-prod' },
        allowed_ips: ['10.0.0.0/8', '2001:db8::/32', '192.168.1.7'],
      })
      expect(edited.status).toBe(200)
      expect(edited.json).toMatchObject({
        metadata: { team: 'f-web', env: 'f-prod' },
        allowed_ips: ['10.0.0.0/8', '2001:db8::/32', '192.168.1.7/32'],
      })
      const update = (await auditActions(web.id)).find((e) => e.action === 'api_key.update')
      expect(update?.details).toMatchObject({
        changes: {
          metadata: { old: { team: 'f-web' }, new: { team: 'f-web', env: 'f-prod' } },
          allowed_ips: { old: [], new: ['10.0.0.0/8', '2001:db8::/32', '192.168.1.7/32'] },
        },
      })

      const ids = async (query: string) =>
        ((await call(bob.key, 'GET', `/v2/api-keys?${query}`)).json.items as ApiKey[]).map(
          (k) => k.id,
        )
      expect(await ids('metadata.team=f-ml')).toEqual([ml.id])
      expect((await ids('metadata.env=f-prod')).sort()).toEqual([ml.id, web.id].sort())
      expect(await ids('metadata.env=f-prod&metadata.team=f-web')).toEqual([web.id])
      expect(await ids('metadata.team=nobody')).toEqual([])
    })

    it('refuses metadata that is not a small object of strings, and CIDRs that are not CIDRs', async () => {
      const key = await create(bob.key, {})
      const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']))
      const cases: [Record<string, unknown>, string][] = [
        [{ metadata: tooMany }, 'metadata'],
        [{ metadata: { ['n'.repeat(65)]: 'v' } }, 'metadata'],
        [{ metadata: { team: 'v'.repeat(257) } }, 'metadata.team'],
        [{ metadata: { team: 3 } }, 'metadata.team'],
        [{ metadata: ['a'] }, 'metadata'],
        [{ allowed_ips: ['10.0.0.0/33'] }, 'allowed_ips.0'],
        [{ allowed_ips: ['127.0.0.1', 'example.com'] }, 'allowed_ips.1'],
        [{ allowed_ips: ['fe80::/129'] }, 'allowed_ips.0'],
        [{ allowed_ips: '10.0.0.0/8' }, 'allowed_ips'],
      ]
      for (const [body, param] of cases) {
        const put = await call(bob.key, 'PUT', `/v2/api-keys/${key.id}`, body)
        expect(put.status, JSON.stringify(body)).toBe(422)
        expect(put.json.error?.param ?? '', JSON.stringify(body)).toContain(param)
        const post = await call(bob.key, 'POST', '/v2/api-keys', { name: 'x', ...body })
        expect(post.status).toBe(422)
      }
      const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v']))
      expect(
        (await call(bob.key, 'PUT', `/v2/api-keys/${key.id}`, { metadata: sixteen })).status,
      ).toBe(200)
      const badFilter = await call(bob.key, 'GET', `/v2/api-keys?metadata.team=${'v'.repeat(257)}`)
      expect(badFilter.status).toBe(422)
    })
  })

  describe('expiring soon', () => {
    it('lists keys expiring within Nd or Nh, refuses other forms, and counts them in /metrics', async () => {
      const carol = await seedUser(gw.database.db)
      const carolKey = (
        await seedKey(gw.database.db, { userId: carol.id, scope: ['management', 'inference'] })
      ).value
      await gw.deps.changes.catchUp()
      const soon = await create(carolKey, { expires_in: 3 * DAY_S })
      const inHours = await create(carolKey, { expires_in: 3600 })
      await create(carolKey, { expires_in: 30 * DAY_S })
      await create(carolKey, {})
      const ids = async (within: string) => {
        const res = await call(carolKey, 'GET', `/v2/api-keys?expiring_within=${within}`)
        expect(res.status).toBe(200)
        return (res.json.items as ApiKey[]).map((k) => k.id).sort()
      }
      expect(await ids('7d')).toEqual([soon.id, inHours.id].sort())
      expect(await ids('2h')).toEqual([inHours.id])
      for (const bad of ['7', '7w', '-1d', 'soon', '1.5d']) {
        const res = await call(carolKey, 'GET', `/v2/api-keys?expiring_within=${bad}`)
        expect(res.status).toBe(422)
        expect(res.json.error?.param).toBe('expiring_within')
      }
      const metrics = await (await fetch(`${gw.url}/metrics`)).text()
      const gauge = /^keygate_api_keys_expiring_soon (\d+)$/m.exec(metrics)
      expect(gauge).not.toBeNull()
      // Other tests in this file create keys that expire within a week too: at least Carol's two.
      expect(Number(gauge?.[1])).toBeGreaterThanOrEqual(2)
      expect(metrics).not.toMatch(/keygate_api_keys_expiring_soon\{/)
    })
  })

  describe('lifetime policy (/v2/settings)', () => {
    it('is admin only', async () => {
      expect((await call(bob.key, 'GET', '/v2/settings')).status).toBe(403)
      expect(
        (await call(bob.key, 'PUT', '/v2/settings', { allow_never_expiring: false })).status,
      ).toBe(403)
    })

    it('caps new and extended expiries, reports keys beyond it and audits each change', async () => {
      const initial = await call(admin.key, 'GET', '/v2/settings')
      expect(initial.status).toBe(200)
      expect(initial.json).toMatchObject({
        max_key_lifetime_days: null,
        allow_never_expiring: true,
        report: { keys_beyond_lifetime_policy: 0 },
      })
      const longLived = await create(bob.key, { expires_in: 100 * DAY_S })

      const put = await call(admin.key, 'PUT', '/v2/settings', {
        max_key_lifetime_days: 30,
        allow_never_expiring: false,
      })
      expect(put.status).toBe(200)
      const settings = put.json as unknown as SettingsJson
      expect(settings).toMatchObject({ max_key_lifetime_days: 30, allow_never_expiring: false })
      // The long-lived key and every never-expiring key (the seeded ones included) are beyond it; none is changed.
      expect(settings.report.keys_beyond_lifetime_policy).toBeGreaterThanOrEqual(2)
      expect(await statusOf(longLived.value)).toBe(200)
      expect(await statusOf(bob.key)).toBe(200)

      const tooLong = await call(bob.key, 'POST', '/v2/api-keys', {
        name: 'too-long',
        expires_in: 31 * DAY_S,
      })
      expect(tooLong.status).toBe(422)
      expect(tooLong.json.error?.param).toBe('expires_in')
      expect(tooLong.json.error?.message).toContain('30 days')
      const never = await call(bob.key, 'POST', '/v2/api-keys', { name: 'never' })
      expect(never.status).toBe(422)
      expect(never.json.error?.message).toContain('never-expiring')
      const ok = await create(bob.key, { expires_in: 29 * DAY_S })

      const extend = await call(bob.key, 'PUT', `/v2/api-keys/${ok.id}`, {
        expires_at: new Date(Date.now() + 40 * DAY_S * 1000).toISOString(),
      })
      expect(extend.status).toBe(422)
      expect(extend.json.error?.param).toBe('expires_at')
      expect(extend.json.error?.message).toContain('30 days')
      const forever = await call(bob.key, 'PUT', `/v2/api-keys/${ok.id}`, { expires_at: null })
      expect(forever.status).toBe(422)
      const shorten = await call(bob.key, 'PUT', `/v2/api-keys/${longLived.id}`, {
        expires_at: new Date(Date.now() + 10 * DAY_S * 1000).toISOString(),
      })
      expect(shorten.status).toBe(200)
      // Other edits of a key beyond the policy still work: it is reported, not broken.
      expect(
        (await call(bob.key, 'PUT', `/v2/api-keys/${ok.id}`, { description: 'still fine' })).status,
      ).toBe(200)

      const bad = await call(admin.key, 'PUT', '/v2/settings', { max_key_lifetime_days: 0 })
      expect(bad.status).toBe(422)
      expect(bad.json.error?.param).toBe('max_key_lifetime_days')
      const unknown = await call(admin.key, 'PUT', '/v2/settings', { session_secret: 'x' })
      expect(unknown.status).toBe(422)
      expect(JSON.stringify((await call(admin.key, 'GET', '/v2/settings')).json)).not.toContain(
        'session',
      )

      const back = await call(admin.key, 'PUT', '/v2/settings', {
        max_key_lifetime_days: null,
        allow_never_expiring: true,
      })
      expect(back.json).toMatchObject({ report: { keys_beyond_lifetime_policy: 0 } })
      expect((await call(bob.key, 'POST', '/v2/api-keys', { name: 'never-again' })).status).toBe(
        201,
      )

      const audit = await call(admin.key, 'GET', '/v2/audit-events?action=settings.update')
      const items = (audit.json as unknown as AuditEventPage).items
      expect(items).toHaveLength(2)
      expect(items.map((e) => e.details)).toContainEqual({
        changes: {
          max_key_lifetime_days: { old: null, new: 30 },
          allow_never_expiring: { old: true, new: false },
        },
      })
    })
  })
})

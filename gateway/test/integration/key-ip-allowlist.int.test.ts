import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CreatedApiKey } from '../../src/keys/api-key-view.js'
import { type ProxyFixture, post, startProxyFixture } from '../support/proxy-fixture.js'
import { seedKey, seedUser } from '../support/seed.js'
import { dbTargets } from '../support/test-db.js'

/**
 * Per-key address allowlists (`allowed_ips`) on the proxied /v1 routes and on /v2 with the key as a bearer. The
 * test client always connects from 127.0.0.1; one gateway trusts 127.0.0.1 as a proxy (its X-Forwarded-For names
 * the client), the other trusts nobody (the header is a client's claim and ignored).
 */
const CHAT = { model: 'chat-vllm', messages: [{ role: 'user', content: 'hi' }] }

type ErrorJson = { error?: { code: string; type: string } }

async function createKey(f: ProxyFixture, managementKey: string, allowedIps: string[]) {
  const res = await fetch(`${f.gw.url}/v2/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${managementKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `ip-${Math.random()}`,
      scope: ['management', 'inference'],
      allowed_ips: allowedIps,
    }),
  })
  expect(res.status).toBe(201)
  return (await res.json()) as CreatedApiKey
}

async function managementKeyOn(f: ProxyFixture): Promise<string> {
  const db = f.gw.database.db
  const user = await seedUser(db)
  const key = await seedKey(db, { userId: user.id, scope: ['management', 'inference'] })
  await f.gw.deps.changes.catchUp()
  return key.value
}

async function v2(f: ProxyFixture, key: string, forwardedFor?: string) {
  const res = await fetch(`${f.gw.url}/v2/users/me`, {
    headers: {
      authorization: `Bearer ${key}`,
      ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }),
    },
  })
  return { status: res.status, json: (await res.json()) as ErrorJson }
}

async function v1(f: ProxyFixture, key: string, forwardedFor?: string) {
  const res = await post(f, '/v1/chat/completions', CHAT, {
    key,
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  })
  return { status: res.status, json: (await res.json()) as ErrorJson }
}

describe.each(dbTargets())('per-key IP allowlists on %s', (target) => {
  describe('behind a trusted proxy (KEYGATE_TRUSTED_PROXIES=127.0.0.1)', () => {
    let f: ProxyFixture
    let manager: string

    beforeAll(async () => {
      f = await startProxyFixture(target, { KEYGATE_TRUSTED_PROXIES: '127.0.0.1/32' })
      manager = await managementKeyOn(f)
    })
    afterAll(async () => {
      await f?.close()
    })

    it('accepts a client the proxy names inside the allowlist, on /v1 and /v2', async () => {
      const key = (await createKey(f, manager, ['10.0.0.0/8', '2001:db8::/32'])).value
      expect((await v1(f, key, '10.1.2.3')).status).toBe(200)
      expect((await v2(f, key, '10.1.2.3')).status).toBe(200)
      expect((await v2(f, key, '2001:db8::7')).status).toBe(200)
    })

    it('refuses a client outside it with 403 ip_not_allowed in the envelope', async () => {
      const key = (await createKey(f, manager, ['10.0.0.0/8'])).value
      for (const res of [
        await v1(f, key, '192.168.5.5'),
        await v2(f, key, '192.168.5.5'),
        await v2(f, key, '2001:db8::7'),
        // The proxy itself is not the client when it forwards one.
        await v1(f, key),
      ]) {
        expect(res.status).toBe(403)
        expect(res.json.error).toMatchObject({ code: 'ip_not_allowed', type: 'permission_error' })
      }
    })

    it('believes only the right-most untrusted hop: an address the client wrote further left is ignored', async () => {
      const key = (await createKey(f, manager, ['10.0.0.0/8'])).value
      // The client claimed 10.9.9.9; the trusted proxy appended the address it saw, 203.0.113.4.
      const res = await v1(f, key, '10.9.9.9, 203.0.113.4')
      expect(res.status).toBe(403)
      expect(res.json.error?.code).toBe('ip_not_allowed')
    })

    it('an empty allowlist means anywhere; a list change is in force at once', async () => {
      const { id, value: key } = await createKey(f, manager, [])
      expect((await v1(f, key, '198.51.100.1')).status).toBe(200)
      const put = await fetch(`${f.gw.url}/v2/api-keys/${id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${manager}`, 'content-type': 'application/json' },
        body: JSON.stringify({ allowed_ips: ['198.51.100.0/24'] }),
      })
      expect(put.status).toBe(200)
      expect((await v1(f, key, '198.51.100.1')).status).toBe(200)
      expect((await v1(f, key, '198.51.101.1')).status).toBe(403)
    })
  })

  describe('with no trusted proxy', () => {
    let f: ProxyFixture
    let manager: string

    beforeAll(async () => {
      f = await startProxyFixture(target)
      manager = await managementKeyOn(f)
    })
    afterAll(async () => {
      await f?.close()
    })

    it('ignores a spoofed X-Forwarded-For: the socket address decides', async () => {
      const key = (await createKey(f, manager, ['10.0.0.0/8'])).value
      for (const res of [await v1(f, key, '10.1.2.3'), await v2(f, key, '10.1.2.3')]) {
        expect(res.status).toBe(403)
        expect(res.json.error?.code).toBe('ip_not_allowed')
      }
      const local = (await createKey(f, manager, ['127.0.0.1'])).value
      expect((await v1(f, local, '10.1.2.3')).status).toBe(200)
      expect((await v2(f, local)).status).toBe(200)
    })

    it('answers /v1/messages with the same refusal in Anthropic’s envelope', async () => {
      const key = (await createKey(f, manager, ['10.0.0.0/8'])).value
      const res = await post(
        f,
        '/v1/messages',
        { model: 'chat-vllm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] },
        { key },
      )
      expect(res.status).toBe(403)
      const body = (await res.json()) as { type: string; error: { type: string } }
      expect(body).toMatchObject({ type: 'error', error: { type: 'permission_error' } })
    })
  })
})

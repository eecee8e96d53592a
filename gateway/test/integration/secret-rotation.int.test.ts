import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config.js'
import { ADMIN_PASSWORD, startGateway, type TestGateway } from '../support/test-app.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

/** Rotating the session secret and the metrics token without logging people out or blinding Prometheus. */

const OLD_SECRET = 'old-session-secret-0123456789abcdef0123456789'
const NEW_SECRET = 'new-session-secret-0123456789abcdef0123456789'

function cookieOf(res: Response): string {
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
}

async function me(gw: TestGateway, cookie: string): Promise<Response> {
  return fetch(`${gw.url}/v2/users/me`, { headers: { cookie } })
}

describe.each(dbTargets())('secret rotation on %s', (target) => {
  let testDb: TestDatabase
  const gateways: TestGateway[] = []
  const start = async (env: Record<string, string>) => {
    const gw = await startGateway(testDb, { env })
    gateways.push(gw)
    return gw
  }
  beforeAll(async () => {
    testDb = await createTestDatabase(target)
  })
  afterAll(async () => {
    for (const gw of gateways) {
      await gw.close()
    }
    await testDb?.drop()
  })

  it('keeps sessions of the previous secret working, moving them to the new one at their next request', async () => {
    const before = await start({ KEYGATE_SESSION_SECRET: OLD_SECRET })
    const login = await fetch(`${before.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    })
    expect(login.status).toBe(200)
    const oldCookie = cookieOf(login)

    const newOnly = await start({ KEYGATE_SESSION_SECRET: NEW_SECRET })
    const refused = await me(newOnly, oldCookie)
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_session' } })

    const rotating = await start({
      KEYGATE_SESSION_SECRET: NEW_SECRET,
      KEYGATE_SESSION_SECRET_PREVIOUS: OLD_SECRET,
    })
    const accepted = await me(rotating, oldCookie)
    expect(accepted.status).toBe(200)
    const renewed = cookieOf(accepted)
    expect(renewed).toMatch(/^keygate_session=/)
    expect(renewed).not.toBe(oldCookie)
    // The renewed session is signed with the new secret: a replica that knows only it accepts it.
    expect((await me(newOnly, renewed)).status).toBe(200)
    // A session signed with neither secret stays refused.
    const forged = await me(rotating, 'keygate_session=eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl')
    expect(forged.status).toBe(401)
  })

  it('accepts the previous metrics token beside the new one, and nothing else', async () => {
    const gw = await start({
      KEYGATE_METRICS_TOKEN: 'new-metrics-token',
      KEYGATE_METRICS_TOKEN_PREVIOUS: 'old-metrics-token',
    })
    const scrape = (token: string) =>
      fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    expect((await scrape('new-metrics-token')).status).toBe(200)
    expect((await scrape('old-metrics-token')).status).toBe(200)
    expect((await scrape('other-metrics-token')).status).toBe(401)
  })
})

describe('rotation settings', () => {
  it('refuses a previous secret or token without the new one', () => {
    const parsed = parseConfig({
      KEYGATE_SESSION_SECRET_PREVIOUS: OLD_SECRET,
      KEYGATE_METRICS_TOKEN_PREVIOUS: 'old-metrics-token',
    })
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      'KEYGATE_SESSION_SECRET_PREVIOUS: set KEYGATE_SESSION_SECRET to the new secret too',
      'KEYGATE_METRICS_TOKEN_PREVIOUS: set KEYGATE_METRICS_TOKEN to the new token too',
    ])
  })
})

import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CLI_ACTOR } from '../../src/audit/audit-log.js'
import { unlockLogins } from '../../src/auth/login-unlock.js'
import { seedUser } from '../support/seed.js'
import {
  ADMIN_PASSWORD,
  startGateway,
  startTestGateway,
  type TestGateway,
} from '../support/test-app.js'
import { dbTargets, type TestDatabase } from '../support/test-db.js'

const run = promisify(execFile)

/** The keygate CLI in its own process, on the test database: what an operator runs beside a live gateway. */
function cli(databaseUrl: string, ...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'gateway/src/cli.ts', ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
  })
}

describe.each(dbTargets())('login throttle on %s', (target) => {
  let gw: TestGateway & { testDb: TestDatabase }
  /** A second replica that trusts 127.0.0.1 as its proxy, so X-Forwarded-For names the client. */
  let proxied: TestGateway

  beforeAll(async () => {
    gw = await startTestGateway(target)
    proxied = await startGateway(gw.testDb, { env: { KEYGATE_TRUSTED_PROXIES: '127.0.0.1/32' } })
  })
  afterAll(async () => {
    await proxied?.close()
    await gw?.close()
  })

  const login = (on: TestGateway, username: string, password: string, xff?: string) =>
    fetch(`${on.url}/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(xff === undefined ? {} : { 'x-forwarded-for': xff }),
      },
      body: JSON.stringify({ username, password }),
    })

  async function lockOut(on: TestGateway, username: string, xff?: string): Promise<void> {
    for (let i = 0; i < 5; i++) {
      expect((await login(on, username, 'wrong-password', xff)).status).toBe(401)
    }
    const refused = await login(on, username, 'wrong-password', xff)
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800)
  }

  it('does not lock the real admin out after twenty made-up usernames from the same address', async () => {
    for (let i = 0; i < 20; i++) {
      expect((await login(gw, `nobody-${i}`, 'guess')).status).toBe(401)
    }
    expect((await login(gw, 'admin', ADMIN_PASSWORD)).status).toBe(200)
  })

  it('locks one username on one address, not another username from the same address', async () => {
    const bob = await seedUser(gw.database.db, { username: 'bob' })
    await lockOut(gw, 'bob')
    expect((await login(gw, 'bob', bob.password)).status).toBe(429)
    expect((await login(gw, 'admin', ADMIN_PASSWORD)).status).toBe(200)
  })

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    await seedUser(gw.database.db, { username: 'erin' })
    for (let i = 0; i < 5; i++) {
      await login(gw, 'erin', 'wrong-password', `198.51.100.${i}`)
    }
    expect((await login(gw, 'erin', 'wrong-password', '198.51.100.99')).status).toBe(429)
  })

  it('behind a trusted proxy, counts the address X-Forwarded-For names', async () => {
    const frank = await seedUser(gw.database.db, { username: 'frank' })
    await lockOut(proxied, 'frank', 'spoofed, 198.51.100.1')
    // Another client behind the same proxy is not the one that failed.
    expect((await login(proxied, 'frank', frank.password, '198.51.100.2')).status).toBe(200)
  })

  it('is cleared on this replica by the unlock the CLI records', async () => {
    const carol = await seedUser(gw.database.db, { username: 'carol' })
    await lockOut(gw, 'carol')
    await unlockLogins(gw.database.db, { username: 'carol' }, CLI_ACTOR)
    await gw.deps.changes.catchUp()
    expect((await login(gw, 'carol', carol.password)).status).toBe(200)
    const audit = await gw.database.db
      .selectFrom('audit_events')
      .select(['action', 'target_type', 'target_id'])
      .where('action', '=', 'login.unlock')
      .execute()
    expect(audit).toEqual([
      { action: 'login.unlock', target_type: 'login', target_id: 'user:carol' },
    ])
  })
})

/** Two processes need a server database: an embedded PGlite is opened by one process at a time. */
describe.each(dbTargets().filter((t) => t === 'postgres'))(
  'login unlock across processes on %s',
  (target) => {
    let gw: TestGateway & { testDb: TestDatabase }

    beforeAll(async () => {
      gw = await startTestGateway(target)
    })
    afterAll(async () => {
      await gw?.close()
    })

    const login = (username: string, password: string) =>
      fetch(`${gw.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      })

    async function lockOut(username: string): Promise<void> {
      for (let i = 0; i < 6; i++) {
        await login(username, 'wrong-password')
      }
      expect((await login(username, 'wrong-password')).status).toBe(429)
    }

    it('is cleared on a running gateway by `keygate unlock` and `reset-admin-password`', async () => {
      const url = gw.testDb.options.kind === 'postgres' ? gw.testDb.options.url : ''
      const dave = await seedUser(gw.database.db, { username: 'dave' })
      await lockOut('dave')
      const { stdout } = await cli(url, 'unlock', '--user', 'dave')
      expect(stdout).toContain('Failed logins cleared (user:dave)')
      // NOTIFY reaches the gateway's change feed; no catchUp() here: another process wrote the event.
      await vi.waitFor(async () => expect((await login('dave', dave.password)).status).toBe(200), {
        timeout: 10_000,
      })

      await lockOut('admin')
      await cli(url, 'reset-admin-password', '--password', 'a-new-admin-password')
      await vi.waitFor(
        async () => expect((await login('admin', 'a-new-admin-password')).status).toBe(200),
        { timeout: 10_000 },
      )
    })
  },
)

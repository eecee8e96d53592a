import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type GatewayProcess, spawnGateway } from '../support/gateway-process.js'
import { createTestDatabase, dbTargets, type TestDatabase } from '../support/test-db.js'

const REPO = resolve(import.meta.dirname, '../../..')
const run = promisify(execFile)

const BASE_ENV = {
  KEYGATE_BOOTSTRAP_PASSWORD: 'bootstrap-password-1',
  KEYGATE_SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
}

/**
 * The keygate CLI as an operator runs it beside a running gateway (the README's scripted bootstrap, the Helm
 * chart's `kubectl exec … keys create`): real processes on one data directory. On the embedded database the CLI's
 * writes go through the gateway (one process opens PGlite); on Postgres the CLI opens the database itself.
 */
describe.each(dbTargets())('the CLI beside a running gateway on %s', (target) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keygate-cli-'))
  let testDb: TestDatabase | undefined
  let env: Record<string, string>
  let gw: GatewayProcess
  let url: string

  /** The real CLI in its own process; resolves with its exit code and output, failing or not. */
  async function cli(...args: string[]) {
    const base = { ...process.env }
    delete base.DATABASE_URL
    delete base.TEST_DATABASE_URL
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        ['--import', 'tsx', 'gateway/src/cli.ts', ...args],
        { cwd: REPO, env: { ...base, LOG_LEVEL: 'silent', ...env } },
      )
      return { code: 0, stdout, stderr }
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string }
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
    }
  }

  const login = (password: string) =>
    fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({ username: 'admin', password }),
    })

  beforeAll(async () => {
    env = { ...BASE_ENV, KEYGATE_DATA_DIR: dataDir }
    if (target === 'postgres') {
      testDb = await createTestDatabase('postgres')
      env.DATABASE_URL = testDb.options.kind === 'postgres' ? testDb.options.url : ''
    } else {
      // A lock left by a gateway that crashed (no socket answers for it) does not keep the next one from starting.
      writeFileSync(
        join(dataDir, 'keygate.lock'),
        JSON.stringify({ pid: 2 ** 22 + 7, hostname: hostname(), role: 'serve' }),
      )
    }
    gw = spawnGateway(env)
    url = await gw.listening()
  })

  afterAll(async () => {
    if (gw?.isRunning()) {
      gw.child.kill('SIGTERM')
      await gw.exited
    }
    await testDb?.drop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('creates a key that works at once (keys create)', async () => {
    const created = await cli(
      'keys',
      'create',
      '--user',
      'admin',
      '--name',
      'ci',
      '--scope',
      'inference,management',
    )
    expect(created.stderr).toContain('created key')
    expect(created.code).toBe(0)
    const value = created.stdout.trim()
    expect(value).toMatch(/^kg_[0-9a-f]{16}_[0-9a-f]{32}$/)
    const res = await fetch(`${url}/v2/api-keys`, { headers: { authorization: `Bearer ${value}` } })
    expect(res.status).toBe(200)
    const items = ((await res.json()) as { items: { name: string }[] }).items
    expect(items.map((k) => k.name)).toEqual(['ci'])
    // A refusal is reported with its exit code, as when the CLI runs alone.
    const again = await cli('keys', 'create', '--user', 'admin', '--name', 'ci')
    expect(again).toMatchObject({ code: 1, stdout: '' })
    expect(again.stderr).toContain('already has a key named ci')
  })

  it('sets the admin password the running gateway then accepts (reset-admin-password)', async () => {
    const reset = await cli('reset-admin-password', '--password', 'reset-password-2')
    expect(reset).toMatchObject({
      code: 0,
      stdout: 'Password of user admin updated; admin is active.\n',
    })
    expect((await login('reset-password-2')).status).toBe(200)
    expect((await login('bootstrap-password-1')).status).toBe(401)
  })

  it('runs unlock and migrate, and refuses bad usage with 2', async () => {
    const unlock = await cli('unlock', '--all')
    expect(unlock.code).toBe(0)
    expect(unlock.stdout).toContain('Failed logins cleared (*) on every running gateway')
    const migrate = await cli('migrate')
    expect(migrate).toMatchObject({ code: 0, stdout: `the database (${target}) is up to date\n` })
    expect((await cli('unlock')).code).toBe(2)
  })

  it('refuses a second gateway on the same embedded database, naming the pid and directory', async () => {
    if (target === 'postgres') {
      // Many processes share Postgres: no lock is taken.
      expect(existsSync(join(dataDir, 'keygate.lock'))).toBe(false)
      return
    }
    const second = spawnGateway(env)
    expect(await second.exited).toBe(1)
    expect(second.stderr()).toContain(
      `the embedded database in ${dataDir} is in use by a running gateway (pid ${gw.child.pid}`,
    )
    expect(gw.isRunning()).toBe(true)
    expect(statSync(join(dataDir, 'keygate.sock')).mode & 0o777).toBe(0o600)
  })

  it('lets the CLI open the database itself once the gateway has stopped', async () => {
    gw.child.kill('SIGTERM')
    expect(await gw.exited).toBe(0)
    expect(existsSync(join(dataDir, 'keygate.lock'))).toBe(false)
    const created = await cli('keys', 'create', '--user', 'admin', '--name', 'after')
    expect(created.code).toBe(0)
    // Written to the data directory: the next gateway serves it.
    gw = spawnGateway(env)
    url = await gw.listening()
    const res = await fetch(`${url}/v1/models`, {
      headers: { authorization: `Bearer ${created.stdout.trim()}` },
    })
    expect(res.status).toBe(200)
  })
})

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DestinationStream } from 'pino'
import { type Config, parseConfig } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { closeDeps, createDeps, type Deps } from '../../src/deps.js'
import { createLogger } from '../../src/observability/logger.js'
import { type RunningServer, startServer } from '../../src/server.js'
import type { ResolveHost } from '../../src/upstream/host-resolver.js'
import { createTestDatabase, type DbTarget, type TestDatabase } from './test-db.js'

export const ADMIN_PASSWORD = 'admin-password-for-tests'

export interface TestGateway {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string
  readonly deps: Deps
  readonly database: Database
  readonly server: RunningServer
  close(): Promise<void>
}

export interface StartGatewayOptions {
  /** Extra environment, as the operator would set it (e.g. KEYGATE_KEY_REFRESH_MS). */
  env?: Record<string, string>
  /** Capture the JSON log lines (e.g. to check redaction). */
  logDestination?: DestinationStream
  /** Engine host name resolver (plays a Kubernetes headless Service in discovery tests). */
  resolveHost?: ResolveHost
}

function testConfig(dataDir: string, env: Record<string, string> = {}): Config {
  const parsed = parseConfig({
    LOG_LEVEL: 'silent',
    KEYGATE_DATA_DIR: dataDir,
    KEYGATE_BOOTSTRAP_PASSWORD: ADMIN_PASSWORD,
    KEYGATE_SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
    ...env,
  })
  if (!parsed.ok) {
    throw new Error(`bad test config: ${parsed.problems.join('; ')}`)
  }
  return parsed.config
}

/** Starts a real gateway on 127.0.0.1:<free port> against `testDb` (a second call is a second replica). */
export async function startGateway(
  testDb: TestDatabase,
  options: StartGatewayOptions = {},
): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keygate-test-'))
  const config = testConfig(dataDir, options.env)
  const logger = createLogger(
    options.logDestination ? 'info' : config.logLevel,
    options.logDestination,
  )
  const database = await testDb.open()
  const deps = await createDeps(config, {
    logger,
    database,
    ...(options.resolveHost === undefined ? {} : { resolveHost: options.resolveHost }),
  })
  const server = await startServer(deps, '127.0.0.1', 0)
  return {
    url: `http://127.0.0.1:${server.port}`,
    deps,
    database,
    server,
    close: async () => {
      await server.stop(1_000)
      // A shared in-memory PGlite is closed by testDb.drop(), after every replica has stopped.
      await closeDeps(deps, { keepDatabase: testDb.target === 'pglite' })
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** One database and one gateway on it, for the common case. */
export async function startTestGateway(
  target: DbTarget,
  options: StartGatewayOptions = {},
): Promise<TestGateway & { testDb: TestDatabase }> {
  const testDb = await createTestDatabase(target)
  const gateway = await startGateway(testDb, options)
  return {
    ...gateway,
    testDb,
    close: async () => {
      await gateway.close()
      await testDb.drop()
    },
  }
}

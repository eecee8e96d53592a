import type { Logger } from 'pino'
import { type ClientAddressOf, createClientAddressOf } from './auth/client-address.js'
import type { AuthOptions } from './auth/identify.js'
import { LoginThrottle } from './auth/login-throttle.js'
import { followUnlocks } from './auth/login-unlock.js'
import { loadSessionSecret } from './auth/session-secret.js'
import { createSessionService, type SessionService } from './auth/session-service.js'
import { ChangeFeed } from './changes/change-feed.js'
import { type Clock, systemClock } from './clock.js'
import type { Config } from './config.js'
import { type Database, openDatabase } from './db/database.js'
import { type MigrationOutcome, migrate } from './db/migrate.js'
import { countKeysExpiringBetween } from './keys/key-repository.js'
import { createKeyService, type KeyService } from './keys/key-service.js'
import { createLimiter } from './limits/create-limiter.js'
import type { Limiter } from './limits/limiter.js'
import { ReplicaHeartbeat } from './limits/replica-heartbeat.js'
import { createModelRegistry, type ModelRegistry } from './models/model-registry.js'
import { readModelsFile } from './models/models-file.js'
import { applyModelsFile } from './models/models-file-sync.js'
import { createMetrics, type Metrics } from './observability/metrics.js'
import { RequestRecorder } from './observability/request-recorder.js'
import type { ResolveHost } from './upstream/host-resolver.js'
import { createUpstreamPool, type UpstreamPool } from './upstream/upstream-pool.js'
import { createUsageRecorder, type UsageRecorder } from './usage/usage-recorder.js'
import { bootstrapAdmin } from './users/bootstrap-admin.js'

/** Keys expiring within this are "expiring soon" (the /metrics gauge; the UI marks them too). */
const EXPIRING_SOON_MS = 7 * 86_400_000

/** Everything long-lived, built once here and passed to factories; nothing else opens connections. */
export interface Deps {
  readonly config: Config
  readonly database: Database
  readonly logger: Logger
  readonly metrics: Metrics
  readonly clock: Clock
  readonly changes: ChangeFeed
  readonly keys: KeyService
  readonly sessions: SessionService
  readonly models: ModelRegistry
  readonly upstreams: UpstreamPool
  readonly usage: UsageRecorder
  /** Per key and user limits: counters in Redis (KEYGATE_REDIS_URL) or in this process. */
  readonly limiter: Limiter
  /** This replica's row in replica_heartbeats: how many replicas are live, and the unshared-limits warning. */
  readonly heartbeat: ReplicaHeartbeat
  /** Writes down every finished request: metrics, usage, the access line. */
  readonly recorder: RequestRecorder
  /** Failed logins per (username, address), address and username; cleared by `keygate unlock` events. */
  readonly loginThrottle: LoginThrottle
  /** The client's address from the socket's and X-Forwarded-For (KEYGATE_TRUSTED_PROXIES). */
  readonly clientAddressOf: ClientAddressOf
  /** What identifying a caller needs: the key verifier, sessions, and the auth metric. */
  readonly auth: AuthOptions
  /** True once the key cache and model registry are loaded and following changes. */
  isReady(): boolean
}

export interface CreateDepsOptions {
  logger: Logger
  clock?: Clock
  /** Tests pass an already-open database (a fresh schema); otherwise config decides. */
  database?: Database
  /** Host name → addresses for engine discovery (tests play a headless Service); the system resolver otherwise. */
  resolveHost?: ResolveHost
}

export function databaseOptionsFor(config: Config) {
  return config.databaseUrl === undefined
    ? ({ kind: 'pglite', dataDir: config.dataDir } as const)
    : ({ kind: 'postgres', url: config.databaseUrl } as const)
}

/** Opens the database, runs pending migrations, bootstraps the admin and models, and starts following changes. */
export async function createDeps(config: Config, options: CreateDepsOptions): Promise<Deps> {
  const { logger } = options
  const clock = options.clock ?? systemClock
  const database = options.database ?? (await openDatabase(databaseOptionsFor(config)))
  logMigrations(logger, await migrate(database))
  const db = database.db
  const metrics = createMetrics()
  await bootstrapAdmin({ db, password: config.bootstrapPassword, dataDir: config.dataDir, logger })
  if (config.modelsFile !== undefined) {
    const file = await readModelsFile(config.modelsFile)
    if (!file.ok) {
      throw new Error(`KEYGATE_MODELS_FILE is invalid:\n  ${file.problems.join('\n  ')}`)
    }
    await applyModelsFile(db, file.models, { logger })
  }
  const secret = await loadSessionSecret(db, config.sessionSecret)
  const changes = new ChangeFeed({
    database,
    refreshMs: config.keyRefreshMs,
    logger,
    now: () => clock.now(),
  })
  const keys = createKeyService({ db, changes, clock, logger, refreshMs: config.keyRefreshMs })
  const sessions = createSessionService({
    db,
    secret,
    ...(config.previousSessionSecret === undefined
      ? {}
      : { previousSecret: new TextEncoder().encode(config.previousSessionSecret) }),
    clock,
  })
  const models = createModelRegistry({ db, changes, logger })
  const upstreams = createUpstreamPool({
    config,
    logger,
    metrics,
    ...(options.resolveHost === undefined ? {} : { resolveHost: options.resolveHost }),
  })
  const usage = createUsageRecorder({ db, logger, metrics, clock })
  const limiter = createLimiter({ config, registry: metrics.registry, logger, clock })
  const heartbeat = new ReplicaHeartbeat({
    db,
    logger,
    registry: metrics.registry,
    clock,
    sharedLimits: config.redisUrl !== undefined,
  })
  const loginThrottle = new LoginThrottle({ clock })
  followUnlocks(changes, loginThrottle)
  await changes.start()
  // After the feed: a key created between the two reads is then announced by an event.
  await keys.start()
  await models.load()
  await heartbeat.start()
  upstreams.startHealthChecks(() => models.listAll()) // stopped by upstreams.close() in closeDeps
  metrics.bindSources({
    keyCacheEntries: () => keys.size(),
    keyCacheRefreshAgeSeconds: () => changes.refreshAgeSeconds(),
    keysExpiringSoon: () => {
      const now = clock.now()
      return countKeysExpiringBetween(db, new Date(now), new Date(now + EXPIRING_SOON_MS))
    },
  })
  const clientAddressOf = createClientAddressOf(config.trustedProxies)
  return {
    config,
    database,
    logger,
    metrics,
    clock,
    changes,
    keys,
    sessions,
    models,
    upstreams,
    usage,
    limiter,
    heartbeat,
    recorder: new RequestRecorder({ metrics, usage }),
    loginThrottle,
    clientAddressOf,
    auth: { keys, sessions, metrics, clientAddressOf },
    isReady: () => changes.refreshAgeSeconds() * 1000 < 3 * config.keyRefreshMs + 5_000,
  }
}

function logMigrations(logger: Logger, outcome: MigrationOutcome): void {
  if (outcome.applied.length > 0) {
    logger.info({ migrations: outcome.applied }, 'database migrated')
  }
  if (outcome.newer.length > 0) {
    logger.warn(
      { newerMigrations: outcome.newer },
      'the database was migrated by a newer Keygate version; running on it as it is',
    )
  }
}

/**
 * Tears down what createDeps built, in reverse order. `keepDatabase` leaves a database the caller passed in open
 * (tests share one in-memory PGlite between replicas).
 */
export async function closeDeps(
  deps: Deps,
  options: { keepDatabase?: boolean } = {},
): Promise<void> {
  await deps.heartbeat.stop()
  await deps.changes.stop()
  await deps.usage.close()
  await deps.limiter.close()
  await deps.upstreams.close()
  if (options.keepDatabase !== true) {
    await deps.database.close()
  }
}

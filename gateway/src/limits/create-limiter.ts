import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import { InProcessLimitStore } from './in-process-limit-store.js'
import { createLimitMetrics } from './limit-metrics.js'
import { Limiter } from './limiter.js'
import { createRedisClient } from './redis-client.js'
import { RedisLimitStore } from './redis-limit-store.js'
import { createStoreErrorReporter } from './store-error-reporter.js'

export interface CreateLimiterOptions {
  readonly config: Pick<
    Config,
    'redisUrl' | 'redisPrefix' | 'redisTimeoutMs' | 'limitsOnStoreError'
  >
  /** The gateway's metrics registry; keygate_limited_total and the store-error counter are added to it. */
  readonly registry: Registry
  readonly logger: Logger
  readonly clock: Clock
}

/**
 * The limiter for this replica: counters in Redis when KEYGATE_REDIS_URL is set (its connection starts here, in
 * the background: until it is up, requests fail open or closed as configured), otherwise in process. The caller
 * owns it and calls close() at shutdown.
 */
export function createLimiter(options: CreateLimiterOptions): Limiter {
  const { config, clock, logger } = options
  const metrics = createLimitMetrics(options.registry)
  const reportError = createStoreErrorReporter({
    metrics,
    logger,
    clock,
    onStoreError: config.limitsOnStoreError,
  })
  const store =
    config.redisUrl === undefined
      ? new InProcessLimitStore({ clock })
      : new RedisLimitStore({
          client: createRedisClient({ url: config.redisUrl, timeoutMs: config.redisTimeoutMs }),
          prefix: config.redisPrefix,
          reportError,
        })
  return new Limiter({
    store,
    metrics,
    reportError,
    onStoreError: config.limitsOnStoreError,
    clock,
  })
}

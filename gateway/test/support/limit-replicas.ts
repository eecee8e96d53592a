import { once } from 'node:events'
import type { Redis } from 'ioredis'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { systemClock } from '../../src/clock.js'
import { InProcessLimitStore } from '../../src/limits/in-process-limit-store.js'
import { createLimitMetrics, type LimitMetrics } from '../../src/limits/limit-metrics.js'
import {
  buildLimitPolicy,
  buildLimitSubjects,
  type LimitFields,
} from '../../src/limits/limit-policy.js'
import type { LimitStore } from '../../src/limits/limit-store.js'
import { type AdmitResult, Limiter } from '../../src/limits/limiter.js'
import { createRedisClient } from '../../src/limits/redis-client.js'
import { RedisLimitStore } from '../../src/limits/redis-limit-store.js'
import { createStoreErrorReporter } from '../../src/limits/store-error-reporter.js'

/** One gateway replica's limiter, as createLimiter builds it, with its parts in reach of the test. */
export interface Replica {
  readonly limiter: Limiter
  readonly metrics: LimitMetrics
  readonly store: LimitStore
  /** The Redis connection (undefined in process); `disconnect()` plays a replica that died. */
  readonly client: Redis | undefined
  close(): Promise<void>
}

export interface ReplicaOptions {
  readonly redisUrl?: string
  readonly prefix?: string
  readonly windowMs?: number
  readonly leaseTtlMs?: number
  readonly timeoutMs?: number
  readonly mode?: 'open' | 'closed'
  /** Wait for the first connection (default true). */
  readonly waitReady?: boolean
}

export async function startReplica(options: ReplicaOptions = {}): Promise<Replica> {
  const metrics = createLimitMetrics(new Registry())
  const mode = options.mode ?? 'open'
  const reportError = createStoreErrorReporter({
    metrics,
    logger: pino({ level: 'silent' }),
    clock: systemClock,
    onStoreError: mode,
  })
  let client: Redis | undefined
  let store: LimitStore
  if (options.redisUrl === undefined) {
    store = new InProcessLimitStore({ clock: systemClock, windowMs: options.windowMs })
  } else {
    client = createRedisClient({ url: options.redisUrl, timeoutMs: options.timeoutMs ?? 2_000 })
    store = new RedisLimitStore({
      client,
      prefix: options.prefix ?? 'kgtest:',
      reportError,
      windowMs: options.windowMs,
      leaseTtlMs: options.leaseTtlMs,
    })
    if ((options.waitReady ?? true) && client.status !== 'ready') {
      await once(client, 'ready')
    }
  }
  const limiter = new Limiter({
    store,
    metrics,
    reportError,
    onStoreError: mode,
    clock: systemClock,
  })
  return { limiter, metrics, store, client, close: () => limiter.close() }
}

let nextId = 1

/** Subjects for a fresh key (and, unless given, a fresh user) with these limits. */
export function subjectsFor(key: LimitFields, user: LimitFields = {}, userId = nextId++) {
  return buildLimitSubjects({
    keyId: nextId++,
    keyPolicy: buildLimitPolicy(key),
    userId,
    userPolicy: buildLimitPolicy(user),
  })
}

export function freshUserId(): number {
  return nextId++
}

/** Admits and insists the store answered (an uncounted, failed-open admission would make a test meaningless). */
export async function admit(
  replica: Replica,
  subjects: ReturnType<typeof subjectsFor>,
  estimatedTokens = 1,
): Promise<AdmitResult> {
  const r = await replica.limiter.admit({ subjects, estimatedTokens })
  if (r.ok && r.degraded) {
    throw new Error('the limit store failed during the test')
  }
  if (!r.ok && r.reason === 'unavailable') {
    throw new Error('the limit store failed during the test')
  }
  return r
}

export async function counterValues(
  metrics: LimitMetrics,
  name: 'limited' | 'storeErrors',
): Promise<Record<string, number>> {
  const m = await metrics[name].get()
  return Object.fromEntries(m.values.map((v) => [String(Object.values(v.labels)[0]), v.value]))
}

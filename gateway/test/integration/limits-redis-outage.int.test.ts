import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { AdmitResult } from '../../src/limits/limiter.js'
import {
  counterValues,
  type Replica,
  type ReplicaOptions,
  startReplica,
  subjectsFor,
} from '../support/limit-replicas.js'
import { pollUntil, sleep } from '../support/poll.js'
import { type PrivateRedis, startPrivateRedis } from '../support/redis-server.js'

// Faults on a private redis-server this file starts, kills, pauses and restarts; never the shared one.
let server: PrivateRedis
const replicas: Replica[] = []
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled)
  server = await startPrivateRedis()
})
afterEach(async () => {
  await Promise.all(replicas.splice(0).map((r) => r.close()))
  server.resume()
  if (!server.running) {
    await server.start()
  }
})
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled)
  await server.stop()
  expect(unhandled).toEqual([])
})

async function replica(options: Partial<ReplicaOptions> = {}): Promise<Replica> {
  const r = await startReplica({
    redisUrl: server.url,
    prefix: 'outage:',
    timeoutMs: 50,
    ...options,
  })
  replicas.push(r)
  return r
}

/** The answer, or a failure if there is none within `ms`: the limiter must never hang on its store. */
async function within(
  ms: number,
  answer: AdmitResult | Promise<AdmitResult>,
): Promise<AdmitResult> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([answer, deadline])
  } finally {
    clearTimeout(timer)
  }
}

describe('limits when Redis fails', () => {
  it('fails open when Redis is killed: admitted uncounted, an error counted, settle harmless', async () => {
    const gw = await replica()
    const subjects = subjectsFor({ rpm_limit: 1, max_parallel_requests: 1 })
    const first = await within(2_000, gw.limiter.admit({ subjects, estimatedTokens: 5 }))
    expect(first).toMatchObject({ ok: true, degraded: false })
    await server.kill()
    for (let i = 0; i < 5; i++) {
      const r = await within(2_000, gw.limiter.admit({ subjects, estimatedTokens: 5 }))
      expect(r).toMatchObject({ ok: true, degraded: true, headers: {} })
      if (r.ok) {
        r.ticket.settle(7)
      }
    }
    if (first.ok) {
      first.ticket.settle(7) // its release fails: counted, not thrown
    }
    await sleep(50)
    const errors = await counterValues(gw.metrics, 'storeErrors')
    expect(errors.admit).toBeGreaterThanOrEqual(1)
    expect(errors.settle).toBe(1)
    expect(await counterValues(gw.metrics, 'limited')).toEqual({})
  })

  it('fails closed when configured: refused as unavailable, with Retry-After 1', async () => {
    const gw = await replica({ mode: 'closed' })
    const subjects = subjectsFor({ rpm_limit: 100 })
    await server.kill()
    const r = await within(2_000, gw.limiter.admit({ subjects, estimatedTokens: 1 }))
    expect(r).toMatchObject({ ok: false, reason: 'unavailable', retryAfterSeconds: 1 })
    expect(await counterValues(gw.metrics, 'limited')).toEqual({ unavailable: 1 })
  })

  it('waits no longer than the timeout on a Redis that stopped answering, then counts again', async () => {
    const gw = await replica()
    const subjects = subjectsFor({ rpm_limit: 2 })
    server.pause()
    for (let i = 0; i < 4; i++) {
      const r = await within(1_000, gw.limiter.admit({ subjects, estimatedTokens: 1 }))
      expect(r).toMatchObject({ ok: true, degraded: true })
    }
    expect((await counterValues(gw.metrics, 'storeErrors')).admit).toBeGreaterThanOrEqual(3)
    server.resume()
    await pollUntil(async () => {
      const r = await gw.limiter.admit({ subjects, estimatedTokens: 1 })
      return r.ok === false && r.reason === 'rpm'
    }, 'the limit is enforced again after Redis answers')
  })

  it('reconnects by itself after Redis restarts, scripts and all', async () => {
    const gw = await replica()
    const subjects = subjectsFor({ rpm_limit: 1 })
    await server.kill()
    const during = await within(2_000, gw.limiter.admit({ subjects, estimatedTokens: 1 }))
    expect(during).toMatchObject({ ok: true, degraded: true })
    await server.start() // an empty server: no counters, no cached scripts
    await pollUntil(async () => {
      const r = await gw.limiter.admit({ subjects, estimatedTokens: 1 })
      return r.ok && !r.degraded
    }, 'counted through the restarted Redis')
    const next = await gw.limiter.admit({ subjects, estimatedTokens: 1 })
    expect(next).toMatchObject({ ok: false, reason: 'rpm' })
  })

  it('runs its scripts again after SCRIPT FLUSH (NOSCRIPT falls back to EVAL)', async () => {
    const gw = await replica()
    const subjects = subjectsFor({ rpm_limit: 1, tpm_limit: 100 })
    const admin = new Redis(server.url)
    try {
      await admin.script('FLUSH')
      const r = await gw.limiter.admit({ subjects, estimatedTokens: 10 })
      expect(r).toMatchObject({ ok: true, degraded: false })
      await admin.script('FLUSH')
      if (r.ok) {
        r.ticket.settle(50)
      }
      await pollUntil(async () => {
        const h = await admin.hget(`outage:${subjects[0]?.storeKey}:t`, 's')
        return h === '50'
      }, 'the settle script ran after a flush')
    } finally {
      admin.disconnect()
    }
    expect(await counterValues(gw.metrics, 'storeErrors')).toEqual({})
  })

  it('starts while Redis is down, fails open meanwhile, and counts once it is up', async () => {
    await server.kill()
    const gw = await replica({ waitReady: false })
    const subjects = subjectsFor({ rpm_limit: 1 })
    const r = await within(2_000, gw.limiter.admit({ subjects, estimatedTokens: 1 }))
    expect(r).toMatchObject({ ok: true, degraded: true })
    await server.start()
    await pollUntil(async () => {
      const a = await gw.limiter.admit({ subjects, estimatedTokens: 1 })
      return a.ok && !a.degraded
    }, 'counted once Redis is up')
    const closed = gw.close()
    replicas.splice(replicas.indexOf(gw), 1)
    await expect(closed).resolves.toBeUndefined()
  })

  it('closes without hanging while Redis is away', async () => {
    const gw = await replica()
    await server.kill()
    replicas.splice(replicas.indexOf(gw), 1)
    let closed = false
    const closing = gw.close().then(() => {
      closed = true
    })
    await Promise.race([closing, sleep(2_000)])
    expect(closed).toBe(true)
  })
})

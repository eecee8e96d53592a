import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import type { LimitTicket } from '../../src/limits/limit-store.js'
import type { RedisLimitStore } from '../../src/limits/redis-limit-store.js'
import {
  admit,
  counterValues,
  type Replica,
  type ReplicaOptions,
  startReplica,
  subjectsFor,
} from '../support/limit-replicas.js'
import { pollUntil, sleep } from '../support/poll.js'
import { deleteKeys, SHARED_REDIS_URL, testPrefix } from '../support/redis-server.js'

// Several limiters on one Redis play the gateway's replicas.
const prefix = testPrefix('limits-replicas')
const started: Replica[] = []

async function replicas(n: number, options: Partial<ReplicaOptions> = {}): Promise<Replica[]> {
  const list = await Promise.all(
    Array.from({ length: n }, () =>
      startReplica({ redisUrl: SHARED_REDIS_URL, prefix, ...options }),
    ),
  )
  started.push(...list)
  return list
}

afterAll(async () => {
  await Promise.all(started.map((r) => r.close()))
  await deleteKeys(SHARED_REDIS_URL, prefix)
})

describe('limits shared by replicas through Redis', () => {
  it('admits at least 98 % of rpm and never more, three replicas driven at three times the rate', async () => {
    // The minute scaled to 3 s (50 ms buckets): "rpm" 600 per 3 s window, offered 1,800 per window.
    const windowMs = 3_000
    const limit = 600
    const gws = await replicas(3, { windowMs })
    const subjects = subjectsFor({ rpm_limit: limit })
    let accepted = 0
    let offered = 0
    const pending: Promise<void>[] = []
    const start = Date.now()
    // Stop short of one window: everything admitted is still counted, so the limit alone caps it.
    while (Date.now() - start < windowMs - 150) {
      for (const gw of gws) {
        offered++
        pending.push(
          admit(gw, subjects).then((r) => {
            if (r.ok) {
              accepted++
            }
          }),
        )
      }
      await sleep(5)
    }
    await Promise.all(pending)
    expect(offered).toBeGreaterThan(limit)
    expect(accepted).toBeLessThanOrEqual(limit)
    expect(accepted).toBeGreaterThanOrEqual(Math.ceil(limit * 0.98))
  })

  it('never has more than max_parallel_requests 8 in flight across three replicas', async () => {
    const gws = await replicas(3)
    const userId = 900_000 + (process.pid % 1000)
    const subjects = subjectsFor({}, { max_parallel_requests: 8 }, userId)
    let inFlight = 0
    let most = 0
    let served = 0
    const until = Date.now() + 2_000
    const worker = async (gw: Replica) => {
      while (Date.now() < until) {
        const r = await admit(gw, subjects)
        if (!r.ok) {
          expect(r.reason).toBe('parallel')
          await sleep(1)
          continue
        }
        inFlight++
        most = Math.max(most, inFlight)
        await sleep(Math.random() * 8)
        inFlight-- // before the release is sent, so this count never runs ahead of the store's
        served++
        r.ticket.settle(1)
      }
    }
    await Promise.all(gws.flatMap((gw) => Array.from({ length: 8 }, () => worker(gw))))
    expect(most).toBeLessThanOrEqual(8)
    expect(most).toBe(8)
    expect(served).toBeGreaterThan(50)
  })

  it('never lets concurrent reservations on three replicas exceed tpm', async () => {
    const gws = await replicas(3)
    const subjects = subjectsFor({ tpm_limit: 1000 })
    // 60 streams of 100 estimated tokens at once: exactly 10 fit; their real sizes settle later.
    const results = await Promise.all(
      gws.flatMap((gw) => Array.from({ length: 20 }, () => admit(gw, subjects, 100))),
    )
    const admitted = results.filter((r) => r.ok)
    expect(admitted).toHaveLength(10)
    expect(results.filter((r) => !r.ok && r.reason === 'tpm')).toHaveLength(50)
  })

  it("frees a dead replica's leases within their TTL, and not while it renews them", async () => {
    const [alive, dying] = await replicas(2, { leaseTtlMs: 600 })
    const subjects = subjectsFor({ max_parallel_requests: 2 })
    const held: LimitTicket[] = []
    for (let i = 0; i < 2; i++) {
      const r = await admit(dying as Replica, subjects)
      if (r.ok) {
        held.push(r.ticket)
      }
    }
    expect(held).toHaveLength(2)
    // Renewed every 200 ms: still held after three TTLs.
    await sleep(1_800)
    expect(await admit(alive as Replica, subjects)).toMatchObject({ ok: false, reason: 'parallel' })
    expect(((dying as Replica).store as RedisLimitStore).leaseCount).toBe(2)
    ;(dying as Replica).client?.disconnect() // the replica dies without releasing anything
    await pollUntil(
      async () => (await admit(alive as Replica, subjects)).ok,
      'leases expired',
      5_000,
    )
  })

  it('settles on one replica what another reserved', async () => {
    const [a, b] = await replicas(2)
    const subjects = subjectsFor({ tpm_limit: 1000 })
    const r = await admit(a as Replica, subjects, 900)
    expect(await admit(b as Replica, subjects, 200)).toMatchObject({ ok: false, reason: 'tpm' })
    if (r.ok) {
      r.ticket.settle(300)
    }
    // A's settlement waits a few ms for an admission of A's to ride on, then goes alone.
    await pollUntil(async () => (await admit(b as Replica, subjects, 200)).ok, 'settled', 5_000)
    expect((await counterValues((b as Replica).metrics, 'limited')).tpm).toBeGreaterThanOrEqual(1)
  })

  it('gives every counter it writes a TTL', async () => {
    const [gw] = await replicas(1)
    const subjects = subjectsFor(
      { rpm_limit: 10, tpm_limit: 1000, max_parallel_requests: 3, token_budget: 10_000 },
      { rpm_limit: 10, tpm_limit: 1000, max_parallel_requests: 3, token_budget: 10_000 },
    )
    const r = await admit(gw as Replica, subjects, 50)
    expect(r.ok).toBe(true)
    const redis = new Redis(SHARED_REDIS_URL)
    try {
      const keys: string[] = []
      let cursor = '0'
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
        cursor = next
        keys.push(...found)
      } while (cursor !== '0')
      const tag = (subjects[0]?.storeKey ?? '').split(':')[0] as string
      const mine = keys.filter((k) => k.includes(tag))
      expect(mine).toHaveLength(8) // r, t, p, b for the key and for the user
      for (const key of keys) {
        expect(await redis.pttl(key)).toBeGreaterThan(0)
      }
    } finally {
      redis.disconnect()
    }
    if (r.ok) {
      r.ticket.settle(60)
    }
  })
})

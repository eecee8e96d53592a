import { afterAll, describe, expect, it } from 'vitest'
import type { AdmitResult } from '../../src/limits/limiter.js'
import {
  admit,
  freshUserId,
  type Replica,
  type ReplicaOptions,
  startReplica,
  subjectsFor,
} from '../support/limit-replicas.js'
import { deleteKeys, SHARED_REDIS_URL, testPrefix } from '../support/redis-server.js'

// The same behaviour from both stores: the Redis scripts must decide exactly as the in-process code does.
const prefix = testPrefix('limits-stores')
const stores: [string, ReplicaOptions][] = [
  ['in process', {}],
  ['Redis', { redisUrl: SHARED_REDIS_URL, prefix }],
]

afterAll(async () => {
  await deleteKeys(SHARED_REDIS_URL, prefix)
})

function ticketOf(r: AdmitResult) {
  if (!r.ok) {
    throw new Error(`refused: ${r.reason}`)
  }
  return r.ticket
}

describe.each(stores)('limits with the %s store', (_name, options) => {
  const replicas: Replica[] = []
  const replica = async () => {
    const r = await startReplica(options)
    replicas.push(r)
    return r
  }
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()))
  })

  it('admits up to rpm and refuses the next with a Retry-After within the minute', async () => {
    const gw = await replica()
    const subjects = subjectsFor({ rpm_limit: 3 })
    for (let i = 0; i < 3; i++) {
      expect((await admit(gw, subjects)).ok).toBe(true)
    }
    const refused = await admit(gw, subjects)
    expect(refused).toMatchObject({ ok: false, reason: 'rpm', subject: 'key' })
    if (refused.ok) {
      return
    }
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(60)
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(62)
    expect(refused.headers).toMatchObject({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '0',
    })
    expect(refused.headers['x-ratelimit-reset-requests']).toMatch(/^1m[01](\.\d+)?s$/)
  })

  it("caps the sum over a user's keys with the user's rpm", async () => {
    const gw = await replica()
    const userId = freshUserId()
    const keyA = subjectsFor({ rpm_limit: 100 }, { rpm_limit: 3 }, userId)
    const keyB = subjectsFor({}, { rpm_limit: 3 }, userId)
    expect((await admit(gw, keyA)).ok).toBe(true)
    expect((await admit(gw, keyB)).ok).toBe(true)
    expect((await admit(gw, keyA)).ok).toBe(true)
    expect(await admit(gw, keyB)).toMatchObject({ ok: false, reason: 'rpm', subject: 'user' })
    expect(await admit(gw, keyA)).toMatchObject({ ok: false, reason: 'rpm', subject: 'user' })
  })

  it("spends nothing of the key's allowance on a request its user refused", async () => {
    const gw = await replica()
    const userId = freshUserId()
    const both = subjectsFor({ rpm_limit: 3, tpm_limit: 1000 }, { tpm_limit: 100 }, userId)
    ticketOf(await admit(gw, both, 80))
    expect(await admit(gw, both, 80)).toMatchObject({ ok: false, reason: 'tpm', subject: 'user' })
    // The same key id without the user's limit: one request and 80 tokens counted, not two and 160.
    const keyOnly = [both[0] as (typeof both)[number]]
    const next = await admit(gw, keyOnly, 10)
    expect(next.ok && next.headers).toMatchObject({
      'x-ratelimit-remaining-requests': '1',
      'x-ratelimit-remaining-tokens': '910',
    })
  })

  it('settles a reservation to the real usage after the fact', async () => {
    const gw = await replica()
    const subjects = subjectsFor({ tpm_limit: 1000 })
    const first = ticketOf(await admit(gw, subjects, 800))
    expect(await admit(gw, subjects, 400)).toMatchObject({ ok: false, reason: 'tpm' })
    first.settle(100)
    first.settle(5000) // only the first settle counts
    const after = await admit(gw, subjects, 400)
    expect(after.ok && after.headers['x-ratelimit-remaining-tokens']).toBe('500')
  })

  it('counts a stream that outgrew its reservation at its real size', async () => {
    const gw = await replica()
    const subjects = subjectsFor({ tpm_limit: 1000 })
    ticketOf(await admit(gw, subjects, 100)).settle(990)
    expect(await admit(gw, subjects, 50)).toMatchObject({ ok: false, reason: 'tpm' })
  })

  it('holds a parallel lease until settle, for the key and its user', async () => {
    const gw = await replica()
    const userId = freshUserId()
    const a = subjectsFor({ max_parallel_requests: 5 }, { max_parallel_requests: 2 }, userId)
    const b = subjectsFor({}, { max_parallel_requests: 2 }, userId)
    const t1 = ticketOf(await admit(gw, a))
    ticketOf(await admit(gw, b))
    expect(await admit(gw, a)).toMatchObject({
      ok: false,
      reason: 'parallel',
      subject: 'user',
      retryAfterSeconds: undefined,
    })
    t1.settle(undefined)
    t1.settle(undefined)
    ticketOf(await admit(gw, a))
    expect((await admit(gw, b)).ok).toBe(false)
  })

  it('refuses over the token budget as budget, with Retry-After until the period ends', async () => {
    const gw = await replica()
    const subjects = subjectsFor({ token_budget: 1000, budget_period: 'day' })
    const t = ticketOf(await admit(gw, subjects, 900))
    const refused = await admit(gw, subjects, 200)
    expect(refused).toMatchObject({ ok: false, reason: 'budget', subject: 'key' })
    const untilMidnight = Math.ceil((86_400_000 - (Date.now() % 86_400_000)) / 1000)
    expect(refused.ok === false && refused.retryAfterSeconds).toBeLessThanOrEqual(untilMidnight)
    expect(refused.ok === false && refused.retryAfterSeconds).toBeGreaterThan(untilMidnight - 5)
    t.settle(300)
    ticketOf(await admit(gw, subjects, 700))
    expect((await admit(gw, subjects, 1)).ok).toBe(false)
  })

  it('counts a fractional or nonsensical estimate as a whole number of tokens', async () => {
    const gw = await replica()
    const subjects = subjectsFor({ tpm_limit: 100 })
    const r = await gw.limiter.admit({ subjects, estimatedTokens: 10.2 })
    expect(r.ok && r.headers['x-ratelimit-remaining-tokens']).toBe('89')
    const nan = await gw.limiter.admit({ subjects, estimatedTokens: Number.NaN })
    expect(nan.ok && !nan.degraded && nan.headers['x-ratelimit-remaining-tokens']).toBe('89')
  })

  it('answers an unlimited request without a store and with no headers', async () => {
    const gw = await replica()
    const r = await gw.limiter.admit({ subjects: subjectsFor({}), estimatedTokens: 10 })
    expect(r).toMatchObject({ ok: true, degraded: false, headers: {} })
  })
})

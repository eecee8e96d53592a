import { pino } from 'pino'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { InProcessLimitStore } from './in-process-limit-store.js'
import { createLimitMetrics, type LimitMetrics } from './limit-metrics.js'
import { buildLimitPolicy, buildLimitSubjects, type LimitFields } from './limit-policy.js'
import type { LimitStore, StoreAdmitRequest } from './limit-store.js'
import { type AdmitResult, Limiter } from './limiter.js'
import { createStoreErrorReporter } from './store-error-reporter.js'

const START = Date.parse('2026-11-27T10:00:00.000Z')

function setup(
  options: { store?: (clock: { now(): number }) => LimitStore; mode?: 'open' | 'closed' } = {},
) {
  let now = START
  const clock = { now: () => now }
  const metrics = createLimitMetrics(new Registry())
  const store = options.store?.(clock) ?? new InProcessLimitStore({ clock })
  const onStoreError = options.mode ?? 'open'
  const reportError = createStoreErrorReporter({
    metrics,
    logger: pino({ level: 'silent' }),
    clock,
    onStoreError,
  })
  const limiter = new Limiter({ store, metrics, reportError, onStoreError, clock })
  return {
    limiter,
    metrics,
    store,
    advance: (ms: number) => {
      now += ms
    },
  }
}

function subjectsOf(key: LimitFields, user: LimitFields = {}, ids = { key: 1, user: 10 }) {
  return buildLimitSubjects({
    keyId: ids.key,
    keyPolicy: buildLimitPolicy(key),
    userId: ids.user,
    userPolicy: buildLimitPolicy(user),
  })
}

/** The in-process store answers synchronously; a promise here would be a bug of its own. */
function sync(r: AdmitResult | Promise<AdmitResult>): AdmitResult {
  if (r instanceof Promise) {
    throw new Error('expected a synchronous answer')
  }
  return r
}

async function counted(metrics: LimitMetrics, name: 'limited' | 'storeErrors') {
  const m = await metrics[name].get()
  return Object.fromEntries(m.values.map((v) => [Object.values(v.labels)[0], v.value]))
}

describe('Limiter with the in-process store', () => {
  it('admits a request without limited subjects without asking the store', () => {
    let calls = 0
    const { limiter } = setup({
      store: (clock) => {
        const inner = new InProcessLimitStore({ clock })
        return {
          admit: (r: StoreAdmitRequest) => {
            calls++
            return inner.admit(r)
          },
          close: () => inner.close(),
        }
      },
    })
    const r = sync(limiter.admit({ subjects: subjectsOf({}), estimatedTokens: 100 }))
    expect(r).toMatchObject({ ok: true, degraded: false, headers: {} })
    expect(calls).toBe(0)
  })

  it('refuses the request over rpm with Retry-After, and admits again once the minute has passed', async () => {
    const { limiter, advance, metrics } = setup()
    const subjects = subjectsOf({ rpm_limit: 3 })
    for (let i = 0; i < 3; i++) {
      expect(sync(limiter.admit({ subjects, estimatedTokens: 1 })).ok).toBe(true)
      advance(10_000)
    }
    const refused = sync(limiter.admit({ subjects, estimatedTokens: 1 }))
    expect(refused).toMatchObject({ ok: false, reason: 'rpm', subject: 'key' })
    // The first request (bucket of 10:00:00) leaves the window when the bucket of 10:01:01 begins.
    expect(refused.ok === false && refused.retryAfterSeconds).toBe(31)
    expect(refused.headers).toMatchObject({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '0',
    })
    advance(31_000)
    const again = sync(limiter.admit({ subjects, estimatedTokens: 1 }))
    expect(again.ok).toBe(true)
    expect(await counted(metrics, 'limited')).toEqual({ rpm: 1 })
  })

  it('reserves the estimate against tpm and settles it to the real usage', () => {
    const { limiter } = setup()
    const subjects = subjectsOf({ tpm_limit: 1000 })
    const first = sync(limiter.admit({ subjects, estimatedTokens: 600 }))
    expect(first.ok && first.headers['x-ratelimit-remaining-tokens']).toBe('400')
    expect(sync(limiter.admit({ subjects, estimatedTokens: 600 }))).toMatchObject({
      ok: false,
      reason: 'tpm',
    })
    if (!first.ok) {
      throw new Error('unreachable')
    }
    first.ticket.settle(100)
    first.ticket.settle(0) // a second settle changes nothing
    const second = sync(limiter.admit({ subjects, estimatedTokens: 600 }))
    expect(second.ok && second.headers['x-ratelimit-remaining-tokens']).toBe('300')
  })

  it('counts a stream that ran longer than its reservation at its real size', () => {
    const { limiter } = setup()
    const subjects = subjectsOf({ tpm_limit: 1000 })
    const r = sync(limiter.admit({ subjects, estimatedTokens: 100 }))
    if (!r.ok) {
      throw new Error('refused')
    }
    r.ticket.settle(950)
    expect(sync(limiter.admit({ subjects, estimatedTokens: 100 }))).toMatchObject({
      ok: false,
      reason: 'tpm',
    })
  })

  it('keeps the reservation when the engine reported no usage', () => {
    const { limiter } = setup()
    const subjects = subjectsOf({ tpm_limit: 1000 })
    const r = sync(limiter.admit({ subjects, estimatedTokens: 700 }))
    if (!r.ok) {
      throw new Error('refused')
    }
    r.ticket.settle(undefined)
    expect(sync(limiter.admit({ subjects, estimatedTokens: 400 })).ok).toBe(false)
  })

  it('lets a request larger than the whole tpm limit through an empty window only', () => {
    const { limiter, advance } = setup()
    const subjects = subjectsOf({ tpm_limit: 500 })
    expect(sync(limiter.admit({ subjects, estimatedTokens: 2000 })).ok).toBe(true)
    expect(sync(limiter.admit({ subjects, estimatedTokens: 2000 })).ok).toBe(false)
    advance(61_000)
    expect(sync(limiter.admit({ subjects, estimatedTokens: 2000 })).ok).toBe(true)
  })

  it('holds a parallel lease until the ticket is settled, once', () => {
    const { limiter } = setup()
    const subjects = subjectsOf({ max_parallel_requests: 2 })
    const a = sync(limiter.admit({ subjects, estimatedTokens: 1 }))
    const b = sync(limiter.admit({ subjects, estimatedTokens: 1 }))
    const c = sync(limiter.admit({ subjects, estimatedTokens: 1 }))
    expect([a.ok, b.ok]).toEqual([true, true])
    expect(c).toMatchObject({ ok: false, reason: 'parallel', retryAfterSeconds: undefined })
    if (!a.ok) {
      throw new Error('refused')
    }
    a.ticket.settle(5)
    a.ticket.settle(5)
    expect(sync(limiter.admit({ subjects, estimatedTokens: 1 })).ok).toBe(true)
    expect(sync(limiter.admit({ subjects, estimatedTokens: 1 })).ok).toBe(false)
  })

  it('refuses over the token budget until the period ends, with insufficient-quota reason', async () => {
    const { limiter, advance, metrics } = setup()
    const subjects = subjectsOf({ token_budget: 1000, budget_period: 'day' })
    const r = sync(limiter.admit({ subjects, estimatedTokens: 900 }))
    expect(r.ok).toBe(true)
    const refused = sync(limiter.admit({ subjects, estimatedTokens: 200 }))
    expect(refused).toMatchObject({ ok: false, reason: 'budget', headers: {} })
    expect(refused.ok === false && refused.retryAfterSeconds).toBe(14 * 3600) // 10:00 → midnight
    if (r.ok) {
      r.ticket.settle(700) // a refund into the period it was reserved in
    }
    expect(sync(limiter.admit({ subjects, estimatedTokens: 200 })).ok).toBe(true)
    advance(14 * 3600_000)
    expect(sync(limiter.admit({ subjects, estimatedTokens: 1000 })).ok).toBe(true)
    expect(await counted(metrics, 'limited')).toEqual({ budget: 1 })
  })

  it("caps the sum of a user's keys with the user's limit", () => {
    const { limiter } = setup()
    const user = { rpm_limit: 3 }
    const keyA = subjectsOf({ rpm_limit: 100 }, user, { key: 1, user: 10 })
    const keyB = subjectsOf({}, user, { key: 2, user: 10 })
    expect(sync(limiter.admit({ subjects: keyA, estimatedTokens: 1 })).ok).toBe(true)
    expect(sync(limiter.admit({ subjects: keyB, estimatedTokens: 1 })).ok).toBe(true)
    expect(sync(limiter.admit({ subjects: keyA, estimatedTokens: 1 })).ok).toBe(true)
    expect(sync(limiter.admit({ subjects: keyB, estimatedTokens: 1 }))).toMatchObject({
      ok: false,
      reason: 'rpm',
      subject: 'user',
    })
  })

  it("does not spend the key's allowance on a request its user refused, nor the other way round", () => {
    const { limiter } = setup()
    const both = subjectsOf({ rpm_limit: 3 }, { rpm_limit: 1 })
    const keyOnly = subjectsOf({ rpm_limit: 3 })
    expect(sync(limiter.admit({ subjects: both, estimatedTokens: 1 })).ok).toBe(true)
    expect(sync(limiter.admit({ subjects: both, estimatedTokens: 1 }))).toMatchObject({
      ok: false,
      subject: 'user',
    })
    const next = sync(limiter.admit({ subjects: keyOnly, estimatedTokens: 1 }))
    expect(next.ok && next.headers['x-ratelimit-remaining-requests']).toBe('1')
    // and a key refusal leaves the user's count alone
    const fresh = subjectsOf({ rpm_limit: 1 }, { rpm_limit: 2 }, { key: 3, user: 11 })
    const userOnly = subjectsOf({}, { rpm_limit: 2 }, { key: 4, user: 11 })
    expect(sync(limiter.admit({ subjects: fresh, estimatedTokens: 1 })).ok).toBe(true)
    expect(sync(limiter.admit({ subjects: fresh, estimatedTokens: 1 }))).toMatchObject({
      ok: false,
      subject: 'key',
    })
    const u = sync(limiter.admit({ subjects: userOnly, estimatedTokens: 1 }))
    expect(u.ok && u.headers['x-ratelimit-remaining-requests']).toBe('0')
  })

  it('forgets subjects once nothing of theirs is counted', () => {
    const { limiter, advance, store } = setup()
    const r = sync(limiter.admit({ subjects: subjectsOf({ rpm_limit: 5 }), estimatedTokens: 1 }))
    expect(r.ok).toBe(true)
    const s = store as InProcessLimitStore
    s.dropIdle()
    expect(s.size).toBe(1)
    advance(62_000)
    s.dropIdle()
    expect(s.size).toBe(0)
  })
})

describe('Limiter when the store fails', () => {
  const failing = (calls: { n: number }) => (): LimitStore => ({
    admit: () => {
      calls.n++
      return Promise.reject(new Error('Command timed out'))
    },
    close: async () => {},
  })

  it('fails open by default: admitted, flagged, counted as a store error, never refused', async () => {
    const calls = { n: 0 }
    const { limiter, metrics } = setup({ store: failing(calls) })
    const r = await limiter.admit({ subjects: subjectsOf({ rpm_limit: 1 }), estimatedTokens: 1 })
    expect(r).toMatchObject({ ok: true, degraded: true, headers: {} })
    if (r.ok) {
      r.ticket.settle(10)
    }
    expect(await counted(metrics, 'storeErrors')).toEqual({ admit: 1 })
    expect(await counted(metrics, 'limited')).toEqual({})
  })

  it('fails closed when asked to: refused as unavailable with Retry-After 1', async () => {
    const calls = { n: 0 }
    const { limiter, metrics } = setup({ store: failing(calls), mode: 'closed' })
    const r = await limiter.admit({ subjects: subjectsOf({ rpm_limit: 1 }), estimatedTokens: 1 })
    expect(r).toMatchObject({ ok: false, reason: 'unavailable', retryAfterSeconds: 1 })
    expect(await counted(metrics, 'limited')).toEqual({ unavailable: 1 })
  })

  it('stops asking a failing store for a second after three failures in a row', async () => {
    const calls = { n: 0 }
    const { limiter, advance } = setup({ store: failing(calls) })
    const subjects = subjectsOf({ rpm_limit: 1 })
    for (let i = 0; i < 5; i++) {
      await limiter.admit({ subjects, estimatedTokens: 1 })
    }
    expect(calls.n).toBe(3)
    advance(1_000)
    await limiter.admit({ subjects, estimatedTokens: 1 })
    expect(calls.n).toBe(4)
  })

  it('treats a store that throws synchronously like one that rejects', () => {
    const { limiter } = setup({
      store: () => ({
        admit: () => {
          throw new Error('broken')
        },
        close: async () => {},
      }),
    })
    expect(
      sync(limiter.admit({ subjects: subjectsOf({ rpm_limit: 1 }), estimatedTokens: 1 })),
    ).toMatchObject({ ok: true, degraded: true })
  })
})

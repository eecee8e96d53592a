import { describe, expect, it } from 'vitest'
import type { KeyVerifyResult } from '../auth/identify.js'
import type { ChangeEvent } from '../changes/change-feed.js'
import type { Clock } from '../clock.js'
import { KeyCache } from './key-cache.js'
import type { KeyPolicyRow } from './key-repository.js'
import { KNOWN_HASH_PREFIX_LENGTH, KnownKeyHashes } from './known-key-hashes.js'

const HASH = 'a'.repeat(64)
const OTHER = 'b'.repeat(64)

function fakeClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void } {
  let now = start
  return {
    now: () => now,
    advance: (ms) => {
      now += ms
    },
  }
}

function row(overrides: Partial<KeyPolicyRow> = {}): KeyPolicyRow {
  return {
    id: 7,
    user_id: 3,
    scope: ['inference'],
    allowed_model_names: [],
    expires_at: null,
    is_active: true,
    allowed_ips: [],
    username: 'alice',
    is_admin: false,
    owner_active: true,
    rpm_limit: null,
    tpm_limit: null,
    max_parallel_requests: null,
    token_budget: null,
    budget_period: null,
    user_rpm_limit: null,
    user_tpm_limit: null,
    user_max_parallel_requests: null,
    user_token_budget: null,
    user_budget_period: null,
    ...overrides,
  }
}

/** A loader over an in-memory table that counts reads, can be held open, and can fail. */
function fakeLoader(table: Map<string, KeyPolicyRow>) {
  let gate: Promise<void> | undefined
  let open: (() => void) | undefined
  const state = {
    calls: 0,
    failing: false,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve
      })
    },
    release() {
      open?.()
      gate = undefined
    },
    load: async (hash: string) => {
      state.calls++
      const read = table.get(hash)
      if (gate) {
        await gate
      }
      if (state.failing) {
        throw new Error('connection refused')
      }
      return read
    },
  }
  return state
}

async function settle(r: KeyVerifyResult | Promise<KeyVerifyResult>): Promise<KeyVerifyResult> {
  return r
}

function setup(rows: Record<string, KeyPolicyRow> = { [HASH]: row() }, refreshMs = 60_000) {
  const table = new Map(Object.entries(rows))
  const loader = fakeLoader(table)
  const clock = fakeClock()
  const cache = new KeyCache({ load: loader.load, clock, negativeTtlMs: 10_000, refreshMs })
  return { table, loader, clock, cache }
}

/** Lets a background read that is not held settle. */
const flush = () => new Promise((resolve) => setTimeout(resolve, 0))

const keyEvent = (target: string, id = 1): ChangeEvent => ({ id, kind: 'key', target })

describe('KeyCache', () => {
  it('loads a key once, then answers synchronously with its principal', async () => {
    const { cache, loader } = setup({
      [HASH]: row({ scope: ['management', 'inference'], allowed_model_names: ['m1', 'm2'] }),
    })
    const first = await settle(cache.verify(HASH))
    expect(first).toMatchObject({ ok: true, principal: { userId: 3, username: 'alice', keyId: 7 } })
    const second = cache.verify(HASH)
    expect(second).not.toBeInstanceOf(Promise)
    const principal = second instanceof Promise || !second.ok ? undefined : second.principal
    expect([...(principal?.scope ?? [])]).toEqual(['management', 'inference'])
    expect([...(principal?.allowedModelNames ?? [])]).toEqual(['m1', 'm2'])
    expect(loader.calls).toBe(1)
  })

  it('gives a key with an empty allowlist a null allowlist (every model)', async () => {
    const { cache } = setup()
    const result = await settle(cache.verify(HASH))
    expect(result.ok && result.principal.allowedModelNames).toBeNull()
  })

  it('checks expiry against the clock on every request, not when loaded', async () => {
    const { cache, clock, loader } = setup({
      [HASH]: row({ expires_at: new Date(fakeClock().now() + 5_000) }),
    })
    expect((await settle(cache.verify(HASH))).ok).toBe(true)
    clock.advance(4_999)
    expect(cache.verify(HASH)).toMatchObject({ ok: true })
    clock.advance(1)
    expect(cache.verify(HASH)).toEqual({ ok: false, reason: 'expired' })
    expect(loader.calls).toBe(1)
  })

  it('answers disabled for an inactive key, owner_inactive for a key of an inactive owner', async () => {
    const { cache } = setup({
      [HASH]: row({ is_active: false }),
      [OTHER]: row({ id: 8, owner_active: false }),
    })
    expect(await settle(cache.verify(HASH))).toEqual({ ok: false, reason: 'disabled' })
    expect(await settle(cache.verify(OTHER))).toEqual({ ok: false, reason: 'owner_inactive' })
  })

  it('shares one database read among concurrent misses (single flight)', async () => {
    const { cache, loader } = setup()
    loader.hold()
    const pending = Array.from({ length: 50 }, () => cache.verify(HASH))
    loader.release()
    const results = await Promise.all(pending)
    expect(results.every((r) => r.ok)).toBe(true)
    expect(loader.calls).toBe(1)
  })

  it('remembers an unknown hash for the negative TTL, then asks again', async () => {
    const { cache, clock, loader } = setup({})
    expect(await settle(cache.verify(OTHER))).toEqual({ ok: false, reason: 'unknown' })
    for (let i = 0; i < 100; i++) {
      expect(cache.verify(OTHER)).toEqual({ ok: false, reason: 'unknown' })
    }
    expect(loader.calls).toBe(1)
    clock.advance(10_000)
    await settle(cache.verify(OTHER))
    expect(loader.calls).toBe(2)
  })

  it('bounds negative entries separately, so random keys cannot evict known ones', async () => {
    const table = new Map([[HASH, row()]])
    const loader = fakeLoader(table)
    const cache = new KeyCache({ load: loader.load, clock: fakeClock(), maxNegativeEntries: 10 })
    await settle(cache.verify(HASH))
    for (let i = 0; i < 100; i++) {
      await settle(cache.verify(i.toString(16).padStart(64, 'f')))
    }
    expect(cache.size()).toBe(11)
    expect(cache.verify(HASH)).toMatchObject({ ok: true })
  })

  it('drops a hash on a key event, so the next request reads the new state', async () => {
    const { cache, table, loader } = setup()
    await settle(cache.verify(HASH))
    table.set(HASH, row({ is_active: false }))
    expect(cache.verify(HASH)).toMatchObject({ ok: true })
    cache.apply([keyEvent(HASH)])
    expect(await settle(cache.verify(HASH))).toEqual({ ok: false, reason: 'disabled' })
    expect(loader.calls).toBe(2)
  })

  it('drops a cached negative when the key is created', async () => {
    const { cache, table } = setup({})
    expect(await settle(cache.verify(HASH))).toMatchObject({ reason: 'unknown' })
    table.set(HASH, row())
    cache.apply([keyEvent(HASH)])
    expect(await settle(cache.verify(HASH))).toMatchObject({ ok: true })
  })

  it('drops every key of a user on a user event, and only theirs', async () => {
    const { cache, table, loader } = setup({
      [HASH]: row(),
      [OTHER]: row({ id: 9, user_id: 4, username: 'bob' }),
    })
    await settle(cache.verify(HASH))
    await settle(cache.verify(OTHER))
    table.set(HASH, row({ owner_active: false }))
    cache.apply([{ id: 2, kind: 'user', target: '3' }])
    expect(cache.verify(OTHER)).toMatchObject({ ok: true })
    expect(await settle(cache.verify(HASH))).toEqual({ ok: false, reason: 'owner_inactive' })
    expect(loader.calls).toBe(3)
  })

  it('does not cache a read that raced with a change', async () => {
    const { cache, table, loader } = setup()
    loader.hold()
    const stale = cache.verify(HASH)
    table.set(HASH, row({ is_active: false }))
    cache.apply([keyEvent(HASH)])
    loader.release()
    expect(await settle(stale)).toMatchObject({ ok: true })
    expect(await settle(cache.verify(HASH))).toEqual({ ok: false, reason: 'disabled' })
    expect(loader.calls).toBe(2)
  })

  it('answers unavailable when the database fails on a miss, and caches nothing', async () => {
    const { cache, loader } = setup()
    loader.failing = true
    expect(await settle(cache.verify(HASH))).toEqual({ ok: false, reason: 'unavailable' })
    loader.failing = false
    expect(await settle(cache.verify(HASH))).toMatchObject({ ok: true })
    expect(loader.calls).toBe(2)
  })

  it('keeps answering cached keys while the database is down', async () => {
    const { cache, loader } = setup()
    await settle(cache.verify(HASH))
    loader.failing = true
    expect(cache.verify(HASH)).toMatchObject({ ok: true })
    expect(await settle(cache.verify(OTHER))).toEqual({ ok: false, reason: 'unavailable' })
  })

  it('ignores model events', async () => {
    const { cache, loader } = setup()
    await settle(cache.verify(HASH))
    cache.apply([{ id: 3, kind: 'model', target: '*' }])
    expect(cache.verify(HASH)).toMatchObject({ ok: true })
    expect(loader.calls).toBe(1)
  })
})

describe('KeyCache entries have a bounded life (changes made outside the change feed)', () => {
  it('answers a stale entry from memory, reads it again in the background, and answers the new state after', async () => {
    const { cache, clock, loader, table } = setup()
    await settle(cache.verify(HASH))
    table.set(HASH, row({ is_active: false })) // manual SQL: no change event
    clock.advance(59_999)
    expect(cache.verify(HASH)).toMatchObject({ ok: true })
    expect(loader.calls).toBe(1)
    clock.advance(1)
    loader.hold()
    const answers = Array.from({ length: 20 }, () => cache.verify(HASH))
    // Every request got the old entry synchronously, and they started one read between them.
    expect(answers.every((a) => !(a instanceof Promise) && a.ok)).toBe(true)
    expect(loader.calls).toBe(2)
    loader.release()
    await flush()
    expect(cache.verify(HASH)).toEqual({ ok: false, reason: 'disabled' })
    expect(loader.calls).toBe(2)
  })

  it('drops the entry when the re-read finds the key deleted', async () => {
    const { cache, clock, table } = setup()
    await settle(cache.verify(HASH))
    table.delete(HASH)
    clock.advance(60_000)
    expect(cache.verify(HASH)).toMatchObject({ ok: true })
    await flush()
    expect(cache.verify(HASH)).toEqual({ ok: false, reason: 'unknown' })
  })

  it('keeps serving the entry while re-reads fail, and retries after 5 s, not on every request', async () => {
    const { cache, clock, loader, table } = setup()
    await settle(cache.verify(HASH))
    loader.failing = true
    clock.advance(60_000)
    for (let i = 0; i < 10; i += 1) {
      expect(cache.verify(HASH)).toMatchObject({ ok: true })
      await flush()
    }
    expect(loader.calls).toBe(2)
    clock.advance(5_000)
    table.set(HASH, row({ scope: [] }))
    loader.failing = false
    expect(cache.verify(HASH)).toMatchObject({ ok: true })
    await flush()
    expect(loader.calls).toBe(3)
    expect(cache.verify(HASH)).toMatchObject({ ok: true, principal: { scope: new Set() } })
  })

  it('does not store a re-read that raced with a change event', async () => {
    const { cache, clock, loader, table } = setup({ [HASH]: row(), [OTHER]: row({ id: 8 }) })
    await settle(cache.verify(HASH))
    clock.advance(60_000)
    loader.hold()
    expect(cache.verify(HASH)).toMatchObject({ ok: true })
    table.set(HASH, row({ is_active: false }))
    cache.apply([keyEvent(OTHER)])
    loader.release()
    await flush()
    // The read began before the event, so its answer is not trusted; the entry is read again later.
    expect(cache.verify(HASH)).toMatchObject({ ok: true })
    clock.advance(5_000)
    expect(cache.verify(HASH)).toMatchObject({ ok: true })
    await flush()
    expect(cache.verify(HASH)).toEqual({ ok: false, reason: 'disabled' })
  })

  it('runs at most 8 background reads at once', async () => {
    const hashes = Array.from({ length: 20 }, (_, i) => i.toString(16).padStart(64, '0'))
    const { cache, clock, loader } = setup(Object.fromEntries(hashes.map((h) => [h, row()])))
    for (const h of hashes) {
      await settle(cache.verify(h))
    }
    clock.advance(60_000)
    loader.hold()
    for (const h of hashes) {
      expect(cache.verify(h)).toMatchObject({ ok: true })
    }
    expect(loader.calls).toBe(20 + 8)
    loader.release()
  })
})

describe('KeyCache with the set of known key hashes (issue 5: random-key floods)', () => {
  const BUDGET = 20
  const NEW = 'c'.repeat(64)

  function randomHash(i: number): string {
    return `${i.toString(16).padStart(8, '0')}${'d'.repeat(56)}`
  }

  async function guarded(rows: Record<string, KeyPolicyRow> = { [HASH]: row() }) {
    const table = new Map(Object.entries(rows))
    const loader = fakeLoader(table)
    const clock = fakeClock()
    const known = new KnownKeyHashes({ clock, unlistedReadsPerSecond: BUDGET })
    const cache = new KeyCache({ load: loader.load, clock, known })
    await known.load(async () => [...table.keys()].map((h) => h.slice(0, KNOWN_HASH_PREFIX_LENGTH)))
    return { table, loader, clock, known, cache }
  }

  /** Spends the budget for unlisted hashes, as a flood would. */
  async function flood(cache: KeyCache, count: number, from = 0): Promise<KeyVerifyResult[]> {
    return Promise.all(
      Array.from({ length: count }, (_, i) => settle(cache.verify(randomHash(from + i)))),
    )
  }

  it('answers a flood of 10,000 random hashes with at most the budget of database reads', async () => {
    const { cache, loader, clock } = await guarded()
    const results = await flood(cache, 10_000)
    expect(results.every((r) => !r.ok && r.reason === 'unknown')).toBe(true)
    expect(loader.calls).toBe(BUDGET)
    clock.advance(1_000)
    await flood(cache, 10_000, 10_000)
    expect(loader.calls).toBe(2 * BUDGET)
  })

  it('still loads and accepts a listed key while a flood has spent the budget', async () => {
    const { cache, loader } = await guarded()
    await flood(cache, 1_000)
    expect(await settle(cache.verify(HASH))).toMatchObject({ ok: true, principal: { keyId: 7 } })
    expect(loader.calls).toBe(BUDGET + 1)
  })

  it('accepts a key whose creation event was delivered at once, without any budget left', async () => {
    const { cache, table, known } = await guarded()
    await flood(cache, 1_000)
    table.set(NEW, row({ id: 11 }))
    expect(cache.verify(NEW)).toEqual({ ok: false, reason: 'unknown' })
    cache.apply([keyEvent(NEW)])
    expect(await settle(cache.verify(NEW))).toMatchObject({ ok: true, principal: { keyId: 11 } })
    expect(known.size()).toBe(2)
  })

  it('accepts a just-created key whose event has not arrived, through the budget', async () => {
    const { cache, table, loader } = await guarded()
    table.set(NEW, row({ id: 12 }))
    expect(await settle(cache.verify(NEW))).toMatchObject({ ok: true, principal: { keyId: 12 } })
    expect(cache.verify(NEW)).toMatchObject({ ok: true })
    expect(loader.calls).toBe(1)
  })

  it('refuses an unannounced new key while the budget is spent, and accepts it once the budget refills', async () => {
    const { cache, table, clock } = await guarded()
    await flood(cache, 1_000)
    table.set(NEW, row({ id: 13 }))
    expect(cache.verify(NEW)).toEqual({ ok: false, reason: 'unknown' })
    clock.advance(1_000 / BUDGET)
    expect(await settle(cache.verify(NEW))).toMatchObject({ ok: true, principal: { keyId: 13 } })
  })

  it('refuses a deleted key and forgets its hash after the read that finds it gone', async () => {
    const { cache, table, loader, known } = await guarded()
    expect(await settle(cache.verify(HASH))).toMatchObject({ ok: true })
    table.delete(HASH)
    cache.apply([keyEvent(HASH)])
    expect(await settle(cache.verify(HASH))).toEqual({ ok: false, reason: 'unknown' })
    expect(known.size()).toBe(0)
    expect(cache.verify(HASH)).toEqual({ ok: false, reason: 'unknown' })
    expect(loader.calls).toBe(2)
  })

  it('keeps a hash whose read found nothing but raced with its creation event', async () => {
    const { cache, table, loader, known } = await guarded({})
    loader.hold()
    const early = cache.verify(NEW)
    table.set(NEW, row({ id: 14 }))
    cache.apply([keyEvent(NEW)])
    loader.release()
    expect(await settle(early)).toEqual({ ok: false, reason: 'unknown' })
    expect(known.size()).toBe(1)
    expect(await settle(cache.verify(NEW))).toMatchObject({ ok: true, principal: { keyId: 14 } })
  })

  it('keeps hashes announced while the set was loading', async () => {
    const clock = fakeClock()
    const known = new KnownKeyHashes({ clock, unlistedReadsPerSecond: BUDGET })
    const cache = new KeyCache({ load: fakeLoader(new Map()).load, clock, known })
    let finish: ((prefixes: string[]) => void) | undefined
    const loading = known.load(() => new Promise<string[]>((resolve) => (finish = resolve)))
    cache.apply([keyEvent(NEW)])
    finish?.([HASH.slice(0, KNOWN_HASH_PREFIX_LENGTH)])
    await loading
    expect(known.size()).toBe(2)
    expect(known.mayExist(NEW)).toBe(true)
  })

  it('reads every unseen hash from the database until the set has loaded', async () => {
    const clock = fakeClock()
    const loader = fakeLoader(new Map())
    const known = new KnownKeyHashes({ clock, unlistedReadsPerSecond: BUDGET })
    const cache = new KeyCache({ load: loader.load, clock, known })
    await flood(cache, 100)
    expect(loader.calls).toBe(100)
  })
})

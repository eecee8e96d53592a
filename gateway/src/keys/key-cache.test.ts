import { describe, expect, it } from 'vitest'
import type { ChangeEvent } from '../changes/change-feed.js'
import type { Clock } from '../clock.js'
import type { KeyVerifyResult } from '../middleware/auth.js'
import { KeyCache } from './key-cache.js'
import type { KeyPolicyRow } from './key-repository.js'

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
    username: 'alice',
    is_admin: false,
    owner_active: true,
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

function setup(rows: Record<string, KeyPolicyRow> = { [HASH]: row() }) {
  const table = new Map(Object.entries(rows))
  const loader = fakeLoader(table)
  const clock = fakeClock()
  const cache = new KeyCache({ load: loader.load, clock, negativeTtlMs: 10_000 })
  return { table, loader, clock, cache }
}

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

  it('answers disabled for an inactive key or a key of an inactive owner', async () => {
    const { cache } = setup({
      [HASH]: row({ is_active: false }),
      [OTHER]: row({ id: 8, owner_active: false }),
    })
    expect(await settle(cache.verify(HASH))).toEqual({ ok: false, reason: 'disabled' })
    expect(await settle(cache.verify(OTHER))).toEqual({ ok: false, reason: 'disabled' })
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
    expect(await settle(cache.verify(HASH))).toEqual({ ok: false, reason: 'disabled' })
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

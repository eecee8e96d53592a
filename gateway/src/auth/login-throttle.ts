import { LRUCache } from 'lru-cache'
import type { Clock } from '../clock.js'

export interface LoginThrottleOptions {
  clock: Clock
  /** Failures of one username from one address (default 5): a wrong guess on one name blocks no other. */
  maxPerPair?: number
  /** Failures from one address across usernames (default 50): one address spraying many names. */
  maxPerAddress?: number
  /** Failures of one username across addresses (default 100): many addresses guessing one account. */
  maxPerUsername?: number
  windowMs?: number
  /** Bound on tracked pairs, addresses and usernames each; the least recently seen are forgotten first. */
  maxEntries?: number
}

export type ThrottleDecision = { ok: true } | { ok: false; retryAfterSeconds: number }

/** What `clear` forgets: one username (everywhere), one address, or everything. */
export type ThrottleTarget = { username: string } | { address: string } | 'all'

type Counter = LRUCache<string, number[]>

interface Limit {
  readonly counter: Counter
  readonly max: number
  /** The counter's key for a (normalised) username and an address. */
  readonly keyOf: (user: string, address: string) => string
}

/** An address holds no newline, so the last newline splits a pair key unambiguously. */
function pairKey(user: string, address: string): string {
  return `${user}\n${address}`
}

/**
 * In-memory sliding-window limits on failed logins, per replica, in three counters: per (username, address)
 * first, so a guess at one name never blocks another; a higher per-address cap against one address trying many
 * names; and a per-username cap across addresses against a distributed guesser, higher still because reaching it
 * locks that user out everywhere (the way out is `keygate unlock`, see login-unlock.ts).
 * An attempt counts as a failure when it starts and is forgiven when it succeeds, so a burst of concurrent guesses
 * cannot all slip in before the first failure is recorded.
 */
export class LoginThrottle {
  readonly #clock: Clock
  readonly #windowMs: number
  readonly #byPair: Counter
  readonly #byAddress: Counter
  readonly #byUsername: Counter
  readonly #limits: readonly Limit[]

  constructor(options: LoginThrottleOptions) {
    this.#clock = options.clock
    this.#windowMs = options.windowMs ?? 15 * 60_000
    const max = options.maxEntries ?? 10_000
    const perPair = options.maxPerPair ?? 5
    const perAddress = options.maxPerAddress ?? 50
    const perUsername = options.maxPerUsername ?? 100
    if (Math.min(perPair, perAddress, perUsername, max) < 1 || this.#windowMs <= 0) {
      throw new Error('LoginThrottle: limits, window and maxEntries must be positive')
    }
    this.#byPair = new LRUCache({ max })
    this.#byAddress = new LRUCache({ max })
    this.#byUsername = new LRUCache({ max })
    this.#limits = [
      { counter: this.#byPair, max: perPair, keyOf: pairKey },
      { counter: this.#byAddress, max: perAddress, keyOf: (_user, address) => address },
      { counter: this.#byUsername, max: perUsername, keyOf: (user) => user },
    ]
  }

  /** Refuses when any limit is reached; otherwise counts this attempt as a failure until `succeeded`. */
  attempt(username: string, address: string): ThrottleDecision {
    const now = this.#clock.now()
    const user = normalise(username)
    const counts = this.#limits.map((limit) => {
      const key = limit.keyOf(user, address)
      return { limit, key, times: this.#recent(limit.counter, key, now) }
    })
    const waitMs = Math.max(...counts.map((c) => this.#waitMs(c.times, c.limit.max, now)))
    if (waitMs > 0) {
      return { ok: false, retryAfterSeconds: Math.ceil(waitMs / 1000) }
    }
    for (const c of counts) {
      c.times.push(now)
      c.limit.counter.set(c.key, c.times)
    }
    return { ok: true }
  }

  /** The attempt was right: the pair starts afresh, and the address and username get this attempt back. */
  succeeded(username: string, address: string): void {
    const user = normalise(username)
    this.#byPair.delete(pairKey(user, address))
    for (const [counter, key] of [
      [this.#byAddress, address],
      [this.#byUsername, user],
    ] as const) {
      const times = counter.get(key)
      times?.pop()
      if (times !== undefined && times.length === 0) {
        counter.delete(key)
      }
    }
  }

  /** Forgets the failures of a username (from every address), of an address, or all of them. */
  clear(target: ThrottleTarget): void {
    if (target === 'all') {
      for (const limit of this.#limits) {
        limit.counter.clear()
      }
      return
    }
    const matches =
      'username' in target
        ? (pair: string) => pair.startsWith(pairKey(normalise(target.username), ''))
        : (pair: string) => pair.endsWith(`\n${target.address}`)
    for (const pair of [...this.#byPair.keys()].filter(matches)) {
      this.#byPair.delete(pair)
    }
    if ('username' in target) {
      this.#byUsername.delete(normalise(target.username))
    } else {
      this.#byAddress.delete(target.address)
    }
  }

  #recent(map: Counter, key: string, now: number): number[] {
    const times = map.get(key) ?? []
    const from = now - this.#windowMs
    return times.filter((t) => t > from)
  }

  #waitMs(times: readonly number[], limit: number, now: number): number {
    if (times.length < limit) {
      return 0
    }
    // The window frees a slot when the oldest failure that keeps us at the limit ages out.
    const oldest = times[times.length - limit] ?? now
    return oldest + this.#windowMs - now
  }
}

/** Usernames differing only in case share a counter, so case variants do not multiply the guesses. */
function normalise(username: string): string {
  return username.toLowerCase()
}

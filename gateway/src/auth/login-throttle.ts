import { LRUCache } from 'lru-cache'
import type { Clock } from '../clock.js'

export interface LoginThrottleOptions {
  clock: Clock
  /** Failures per username within the window before it is refused (default 5). */
  maxPerUsername?: number
  /** Failures per client address within the window (default 20: an office behind one NAT). */
  maxPerAddress?: number
  windowMs?: number
  /** Bound on tracked usernames and addresses each; the least recently seen are forgotten first. */
  maxEntries?: number
}

export type ThrottleDecision = { ok: true } | { ok: false; retryAfterSeconds: number }

/**
 * In-memory sliding-window limit on failed logins, per username and per client address, per replica.
 * An attempt counts as a failure when it starts and is forgiven when it succeeds, so a burst of concurrent guesses
 * cannot all slip in before the first failure is recorded.
 */
export class LoginThrottle {
  readonly #clock: Clock
  readonly #maxPerUsername: number
  readonly #maxPerAddress: number
  readonly #windowMs: number
  readonly #byUsername: LRUCache<string, number[]>
  readonly #byAddress: LRUCache<string, number[]>

  constructor(options: LoginThrottleOptions) {
    this.#clock = options.clock
    this.#maxPerUsername = options.maxPerUsername ?? 5
    this.#maxPerAddress = options.maxPerAddress ?? 20
    this.#windowMs = options.windowMs ?? 15 * 60_000
    const max = options.maxEntries ?? 10_000
    if (this.#maxPerUsername < 1 || this.#maxPerAddress < 1 || this.#windowMs <= 0 || max < 1) {
      throw new Error('LoginThrottle: limits, window and maxEntries must be positive')
    }
    this.#byUsername = new LRUCache({ max })
    this.#byAddress = new LRUCache({ max })
  }

  /** Refuses when either limit is reached; otherwise counts this attempt as a failure until `succeeded`. */
  attempt(username: string, address: string): ThrottleDecision {
    const now = this.#clock.now()
    const user = this.#recent(this.#byUsername, normalise(username), now)
    const addr = this.#recent(this.#byAddress, address, now)
    const waitMs = Math.max(
      this.#waitMs(user, this.#maxPerUsername, now),
      this.#waitMs(addr, this.#maxPerAddress, now),
    )
    if (waitMs > 0) {
      return { ok: false, retryAfterSeconds: Math.ceil(waitMs / 1000) }
    }
    user.push(now)
    addr.push(now)
    this.#byUsername.set(normalise(username), user)
    this.#byAddress.set(address, addr)
    return { ok: true }
  }

  /** The attempt was right: the username starts afresh and the address gets this attempt back. */
  succeeded(username: string, address: string): void {
    this.#byUsername.delete(normalise(username))
    const addr = this.#byAddress.get(address)
    addr?.pop()
    if (addr !== undefined && addr.length === 0) {
      this.#byAddress.delete(address)
    }
  }

  #recent(map: LRUCache<string, number[]>, key: string, now: number): number[] {
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

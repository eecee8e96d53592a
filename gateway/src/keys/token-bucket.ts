import type { Clock } from '../clock.js'

export interface TokenBucketOptions {
  clock: Clock
  /** Tokens added per second, and the most the bucket holds (a full second's worth can be spent at once). */
  perSecond: number
}

/** A token bucket on the injected clock: `take()` spends one token if there is one. No timers. */
export class TokenBucket {
  readonly #clock: Clock
  readonly #perMs: number
  readonly #capacity: number
  #tokens: number
  #updatedAt: number

  constructor(options: TokenBucketOptions) {
    if (!(options.perSecond > 0)) {
      throw new Error('perSecond must be positive')
    }
    this.#clock = options.clock
    this.#perMs = options.perSecond / 1000
    this.#capacity = options.perSecond
    this.#tokens = this.#capacity
    this.#updatedAt = options.clock.now()
  }

  take(): boolean {
    const now = this.#clock.now()
    if (now > this.#updatedAt) {
      this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updatedAt) * this.#perMs)
      this.#updatedAt = now
    }
    if (this.#tokens < 1) {
      return false
    }
    this.#tokens -= 1
    return true
  }
}

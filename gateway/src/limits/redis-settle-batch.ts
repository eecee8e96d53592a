import type { Redis } from 'ioredis'
import type { ReportStoreError } from './limit-store.js'
import type { RedisScript } from './redis-script.js'

export interface SettleBatchOptions {
  readonly client: Redis
  readonly script: RedisScript
  readonly bucketMs: number
  readonly reportError: ReportStoreError
  /** How long a settlement may wait for others to share its round trip. */
  readonly delayMs?: number
  readonly maxEntries?: number
}

/**
 * Settlements wait for this replica's next admission and travel inside its script call, or after a few ms alone
 * when no admission comes: under load a request then costs one Redis command, not two, and a release still
 * reaches Redis before any later admission from this replica. The wait only postpones refunds and releases as
 * seen by other replicas, which errs on the strict side.
 */
export class SettleBatch {
  readonly #options: SettleBatchOptions
  readonly #delayMs: number
  readonly #maxEntries: number
  #keys: string[] = []
  #args: (string | number)[]
  #timer: NodeJS.Timeout | undefined

  constructor(options: SettleBatchOptions) {
    this.#options = options
    this.#delayMs = options.delayMs ?? 2
    this.#maxEntries = options.maxEntries ?? 128
    this.#args = []
  }

  /** One subject's part of a settlement; `flags` say what was counted at admission (tpm, budget, parallel). */
  add(
    tokensKey: string,
    budgetKey: string,
    leaseKey: string,
    reservedBucket: number,
    delta: number,
    leaseId: string,
    flags: readonly [boolean, boolean, boolean],
  ): void {
    this.#keys.push(tokensKey, budgetKey, leaseKey)
    this.#args.push(
      reservedBucket,
      delta,
      leaseId,
      flags[0] ? 1 : 0,
      flags[1] ? 1 : 0,
      flags[2] ? 1 : 0,
    )
    if (this.#keys.length >= 3 * this.#maxEntries) {
      void this.flush()
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => void this.flush(), this.#delayMs)
      this.#timer.unref()
    }
  }

  /** Hands the waiting entries to an admission that carries them (its script applies them first). */
  take(): { keys: string[]; args: (string | number)[]; count: number } | undefined {
    if (this.#keys.length === 0) {
      return undefined
    }
    this.#cancelTimer()
    const taken = { keys: this.#keys, args: this.#args, count: this.#keys.length / 3 }
    this.#keys = []
    this.#args = []
    return taken
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
  }

  /** Sends what is waiting; never rejects (a failure is reported, and leases then expire by themselves). */
  flush(): Promise<void> {
    const taken = this.take()
    if (taken === undefined) {
      return Promise.resolve()
    }
    const { client, script, reportError, bucketMs } = this.#options
    return script.run(client, taken.keys, [bucketMs, ...taken.args]).then(
      () => {},
      (err: unknown) => reportError('settle', err),
    )
  }
}

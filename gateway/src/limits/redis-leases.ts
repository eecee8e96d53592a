import type { Redis } from 'ioredis'
import type { LimitSubject } from './limit-policy.js'
import { type LimitTicket, type ReportStoreError, settlementDelta } from './limit-store.js'
import type { RedisScript } from './redis-script.js'

export interface TicketSettler {
  settleTicket(ticket: RedisTicket, delta: number): void
}

/** An admitted request's counters in Redis; `keys` are the admission's (r, t, p, b per subject). */
export class RedisTicket implements LimitTicket {
  readonly #store: TicketSettler
  readonly subjects: readonly LimitSubject[]
  readonly keys: readonly string[]
  readonly bucket: number
  readonly reserved: number
  readonly leaseId: string
  #settled = false

  constructor(
    store: TicketSettler,
    subjects: readonly LimitSubject[],
    keys: readonly string[],
    bucket: number,
    reserved: number,
    leaseId: string,
  ) {
    this.#store = store
    this.subjects = subjects
    this.keys = keys
    this.bucket = bucket
    this.reserved = reserved
    this.leaseId = leaseId
  }

  settle(actualTokens?: number): void {
    if (this.#settled) {
      return
    }
    this.#settled = true
    this.#store.settleTicket(this, settlementDelta(actualTokens, this.reserved))
  }
}

export interface RedisLeasesOptions {
  readonly client: Redis
  readonly renew: RedisScript
  readonly leaseTtlMs: number
  readonly reportError: ReportStoreError
}

/**
 * The parallel-request leases this replica holds, renewed together by one timer (every third of the TTL, so two
 * renewals may fail before a lease lapses). The renewal scripts of one round leave in one pipelined write. A
 * replica that dies stops renewing, and its leases expire within the TTL.
 */
export class RedisLeases {
  readonly #options: RedisLeasesOptions
  readonly #live = new Set<RedisTicket>()
  readonly #timer: NodeJS.Timeout
  #renewing = false

  constructor(options: RedisLeasesOptions) {
    this.#options = options
    this.#timer = setInterval(
      () => this.#renewAll(),
      Math.max(1, Math.floor(options.leaseTtlMs / 3)),
    )
    this.#timer.unref()
  }

  get size(): number {
    return this.#live.size
  }

  hold(ticket: RedisTicket): void {
    this.#live.add(ticket)
  }

  release(ticket: RedisTicket): void {
    this.#live.delete(ticket)
  }

  #renewAll(): void {
    if (this.#renewing || this.#live.size === 0) {
      return
    }
    const { client, renew, leaseTtlMs } = this.#options
    const calls: Promise<unknown>[] = []
    for (const ticket of this.#live) {
      for (let i = 0; i < ticket.subjects.length; i++) {
        if ((ticket.subjects[i] as LimitSubject).policy.maxParallel !== null) {
          calls.push(
            renew.run(client, [ticket.keys[4 * i + 2] as string], [ticket.leaseId, leaseTtlMs]),
          )
        }
      }
    }
    this.#renewing = true
    // allSettled never rejects, and reportError only logs.
    void Promise.allSettled(calls).then((results) => {
      this.#renewing = false
      const failed = results.find((r) => r.status === 'rejected')
      if (failed !== undefined) {
        this.#options.reportError('renew', failed.reason)
      }
    })
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#live.clear()
  }
}

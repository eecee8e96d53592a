import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { PeriodCache } from './budget-period.js'
import type { LimitSubject } from './limit-policy.js'
import type {
  LimitReason,
  LimitStore,
  ReportStoreError,
  StoreAdmission,
  StoreAdmitRequest,
  SubjectUsage,
} from './limit-store.js'
import { RedisLeases, RedisTicket, type TicketSettler } from './redis-leases.js'
import { RedisScript } from './redis-script.js'
import { ADMIT_LUA, RENEW_LUA, SETTLE_LUA } from './redis-scripts.js'
import { SettleBatch } from './redis-settle-batch.js'
import { bucketExpiresAtMs, SUB_WINDOWS } from './sliding-window.js'

const DAY_MS = 86_400_000
const STATUS: readonly (LimitReason | undefined)[] = [undefined, 'rpm', 'tpm', 'parallel', 'budget']
const REPLY_HEAD = 5

export interface RedisLimitStoreOptions {
  /** Owned by the store from now on: connected here, quit by close(). */
  readonly client: Redis
  /** Put before every key, so several gateways (or tests) can share one Redis. */
  readonly prefix: string
  readonly reportError: ReportStoreError
  /** The sliding window's length; one minute except in tests that scale time down. */
  readonly windowMs?: number
  /** How long a lease outlives a replica that stopped renewing it. */
  readonly leaseTtlMs?: number
}

/**
 * Counters in Redis (or Valkey), shared by every replica: one atomic script per admission over all the subject's
 * keys, which also carries this replica's settlements since its last one (redis-settle-batch.ts); one renewal
 * round trip for all live leases every third of their TTL.
 */
export class RedisLimitStore implements LimitStore, TicketSettler {
  readonly #client: Redis
  readonly #prefix: string
  readonly #bucketMs: number
  readonly #leaseTtlMs: number
  readonly #replica = randomBytes(6).toString('hex')
  #leaseSeq = 0
  readonly #periods = new PeriodCache()
  readonly #leases: RedisLeases
  readonly #admit = new RedisScript(ADMIT_LUA)
  readonly #settle = new RedisScript(SETTLE_LUA)
  readonly #settles: SettleBatch

  constructor(options: RedisLimitStoreOptions) {
    const windowMs = options.windowMs ?? 60_000
    if (!Number.isInteger(windowMs / SUB_WINDOWS)) {
      throw new Error(`windowMs must be a multiple of ${SUB_WINDOWS}, got ${windowMs}`)
    }
    this.#client = options.client
    this.#prefix = options.prefix
    this.#bucketMs = windowMs / SUB_WINDOWS
    this.#leaseTtlMs = options.leaseTtlMs ?? 10_000
    const report = options.reportError
    const renew = new RedisScript(RENEW_LUA)
    this.#settles = new SettleBatch({
      client: this.#client,
      script: this.#settle,
      bucketMs: this.#bucketMs,
      reportError: report,
    })
    this.#leases = new RedisLeases({
      client: this.#client,
      renew,
      leaseTtlMs: this.#leaseTtlMs,
      reportError: report,
    })
    this.#client.on('error', (err: unknown) => report('connection', err))
    this.#client.on('ready', () => {
      // Preloading spares the first requests after a (re)connect the NOSCRIPT round trip.
      const scripts = [this.#admit, this.#settle, renew]
      Promise.all(scripts.map((s) => s.load(this.#client))).catch((err: unknown) =>
        report('connection', err),
      )
    })
    this.#client.connect().catch(() => {
      // Reported through the 'error' event; the client keeps retrying by itself.
    })
  }

  async admit(request: StoreAdmitRequest): Promise<StoreAdmission> {
    const { subjects, estimatedTokens: cost, nowMs } = request
    const keys: string[] = []
    const args: (string | number)[] = [this.#bucketMs, this.#leaseTtlMs, '', cost, subjects.length]
    const budgetEnds: number[] = []
    let needsLease = false
    for (const subject of subjects) {
      const p = subject.policy
      const base = this.#prefix + subject.storeKey
      const period = p.tokenBudget === null ? undefined : this.#periods.at(p.budgetPeriod, nowMs)
      keys.push(`${base}:r`, `${base}:t`, `${base}:p`, `${base}:b:${period?.id ?? ''}`)
      args.push(p.rpm ?? 0, p.tpm ?? 0, p.maxParallel ?? 0, p.tokenBudget ?? 0)
      args.push(period === undefined ? 0 : period.endMs + DAY_MS)
      budgetEnds.push(period?.endMs ?? 0)
      needsLease ||= p.maxParallel !== null
    }
    const leaseId = needsLease ? `${this.#replica}:${++this.#leaseSeq}` : ''
    args[2] = leaseId
    const settles = this.#settles.take()
    args.push(settles?.count ?? 0)
    if (settles !== undefined) {
      args.push(...settles.args)
    }
    const allKeys = settles === undefined ? keys : keys.concat(settles.keys)
    const reply = parseReply(await this.#admit.run(this.#client, allKeys, args), subjects.length)
    const status = reply[0] as number
    const refusedBy = reply[1] as number
    const retryMs = reply[2] as number
    const serverNow = reply[3] as number
    const bucket = reply[4] as number
    const usage: SubjectUsage[] = []
    for (let i = 0; i < subjects.length; i++) {
      usage.push({
        requests: reply[REPLY_HEAD + 2 * i] as number,
        tokens: reply[REPLY_HEAD + 2 * i + 1] as number,
      })
    }
    const resetMs = bucketExpiresAtMs(bucket, this.#bucketMs) - serverNow
    const reason = STATUS[status]
    if (reason !== undefined) {
      const retryAfterMs =
        reason === 'budget'
          ? (budgetEnds[refusedBy] as number) - nowMs
          : reason === 'parallel' || retryMs < 0
            ? undefined
            : retryMs
      return { ok: false, reason, subjectIndex: refusedBy, retryAfterMs, usage, resetMs }
    }
    const ticket = new RedisTicket(this, subjects, keys, bucket, cost, leaseId)
    if (leaseId !== '') {
      this.#leases.hold(ticket)
    }
    return { ok: true, ticket, usage, resetMs }
  }

  /** Called once by a ticket: the reservation moves to what was really used and the leases end. */
  settleTicket(ticket: RedisTicket, delta: number): void {
    const { subjects, keys } = ticket
    if (ticket.leaseId !== '') {
      this.#leases.release(ticket)
    }
    for (let i = 0; i < subjects.length; i++) {
      const p = (subjects[i] as LimitSubject).policy
      const tpm = p.tpm !== null && delta !== 0
      const budget = p.tokenBudget !== null && delta !== 0
      const parallel = p.maxParallel !== null
      if (tpm || budget || parallel) {
        const k = 4 * i
        this.#settles.add(
          keys[k + 1] as string,
          keys[k + 3] as string,
          keys[k + 2] as string,
          ticket.bucket,
          delta,
          ticket.leaseId,
          [tpm, budget, parallel],
        )
      }
    }
  }

  /** Live leases this replica renews (for tests). */
  get leaseCount(): number {
    return this.#leases.size
  }

  async close(): Promise<void> {
    this.#leases.stop()
    await this.#settles.flush()
    if (this.#client.status === 'ready') {
      await this.#client.quit().catch(() => this.#client.disconnect())
    } else {
      this.#client.disconnect()
    }
  }
}

/** The admit script's reply as numbers; anything else is a store failure. */
function parseReply(reply: unknown, subjects: number): number[] {
  if (!Array.isArray(reply) || reply.length !== REPLY_HEAD + 2 * subjects) {
    throw new Error('unexpected reply from the admit script')
  }
  for (const v of reply) {
    if (typeof v !== 'number') {
      throw new Error('unexpected reply from the admit script')
    }
  }
  return reply as number[]
}

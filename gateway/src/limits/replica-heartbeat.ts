import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { type Kysely, sql } from 'kysely'
import type { Logger } from 'pino'
import { Gauge, type Registry } from 'prom-client'
import type { Clock } from '../clock.js'
import type { Tables } from '../db/tables.js'

/** What GET /v2/status and the UI's banner show about where limits are counted. */
export interface LimitsStatus {
  /** Replicas whose heartbeat is recent (this one included). */
  readonly replicas: number
  /** This replica counts limits in Redis (KEYGATE_REDIS_URL), shared by every replica. */
  readonly sharedLimits: boolean
  /** Some key or user has a limit. */
  readonly limitsInUse: boolean
  /** Set while several replicas are live, some count in process, and limits are in use. */
  readonly warning: string | null
}

export interface ReplicaHeartbeatOptions {
  readonly db: Kysely<Tables>
  readonly logger: Logger
  readonly registry: Registry
  readonly clock: Clock
  /** True when limits are counted in Redis. */
  readonly sharedLimits: boolean
  readonly intervalMs?: number
}

const INTERVAL_MS = 10_000
/** A replica is live while its heartbeat is younger than this (three missed beats). */
const LIVE_SECONDS = 30
const WARN_EVERY_MS = 60_000

export const UNSHARED_WARNING =
  'Several gateway replicas are live and some count limits in their own memory: each replica then allows a key its whole limit. Set KEYGATE_REDIS_URL on every replica (README: Limits).'

/**
 * Each replica writes a row to replica_heartbeats every 10 s and reads how many replicas are live, and whether any
 * key or user has a limit. When more than one replica is live, one of them counts limits in process and limits are
 * in use, the limits are not what they say: it logs a warning once a minute, sets keygate_limits_unshared to 1, and
 * GET /v2/status (the UI's admin banner) says so. Off the request path; a failed beat is logged and retried.
 */
export class ReplicaHeartbeat {
  readonly #db: Kysely<Tables>
  readonly #logger: Logger
  readonly #clock: Clock
  readonly #shared: boolean
  readonly #intervalMs: number
  readonly #id = `${hostname()}-${randomUUID().slice(0, 8)}`
  #timer: NodeJS.Timeout | undefined
  #status: LimitsStatus
  #lastWarnMs = Number.NEGATIVE_INFINITY

  constructor(options: ReplicaHeartbeatOptions) {
    this.#db = options.db
    this.#logger = options.logger
    this.#clock = options.clock
    this.#shared = options.sharedLimits
    this.#intervalMs = options.intervalMs ?? INTERVAL_MS
    this.#status = { replicas: 1, sharedLimits: this.#shared, limitsInUse: false, warning: null }
    const read = () => (this.#status.warning === null ? 0 : 1)
    new Gauge({
      name: 'keygate_limits_unshared',
      help: '1 while several replicas are live, some count limits in process (no Redis) and limits are in use',
      registers: [options.registry],
      collect() {
        this.set(read())
      },
    })
  }

  get replicaId(): string {
    return this.#id
  }

  status(): LimitsStatus {
    return this.#status
  }

  /** Beats once now (awaited), then every interval in the background. */
  async start(): Promise<void> {
    await this.beat()
    this.#timer = setInterval(() => void this.beat(), this.#intervalMs)
    this.#timer.unref()
  }

  /** One heartbeat and read; never rejects. Tests call it to see a change without waiting for the timer. */
  async beat(): Promise<LimitsStatus> {
    try {
      await this.#db
        .insertInto('replica_heartbeats')
        .values({ replica_id: this.#id, shared_limits: this.#shared, seen_at: sql`now()` })
        .onConflict((oc) =>
          oc.column('replica_id').doUpdateSet({ seen_at: sql`now()`, shared_limits: this.#shared }),
        )
        .execute()
      const row = await sql<{ live: number; unshared: number; limited: boolean }>`
        select
          count(*)::int as live,
          (count(*) filter (where not shared_limits))::int as unshared,
          (exists (select 1 from api_keys where ${limited})
            or exists (select 1 from users where ${limited})) as limited
        from replica_heartbeats
        where seen_at > now() - make_interval(secs => ${LIVE_SECONDS})
      `.execute(this.#db)
      const r = row.rows[0]
      const replicas = Number(r?.live ?? 1)
      const limitsInUse = r?.limited === true
      const warn = replicas > 1 && Number(r?.unshared ?? 0) > 0 && limitsInUse
      this.#status = {
        replicas,
        sharedLimits: this.#shared,
        limitsInUse,
        warning: warn ? UNSHARED_WARNING : null,
      }
      if (warn && this.#clock.now() - this.#lastWarnMs >= WARN_EVERY_MS) {
        this.#lastWarnMs = this.#clock.now()
        this.#logger.warn({ replicas }, UNSHARED_WARNING)
      }
      // Rows of replicas gone for a day are of no use to anyone.
      await this.#db
        .deleteFrom('replica_heartbeats')
        .where('seen_at', '<', sql<Date>`now() - interval '1 day'`)
        .execute()
    } catch (err) {
      this.#logger.warn({ err }, 'replica heartbeat failed')
    }
    return this.#status
  }

  /** Stops beating and removes this replica's row, so the others stop counting it at once. */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    try {
      await this.#db.deleteFrom('replica_heartbeats').where('replica_id', '=', this.#id).execute()
    } catch (err) {
      this.#logger.warn({ err }, 'could not remove this replica heartbeat')
    }
  }
}

const limited = sql`rpm_limit is not null or tpm_limit is not null or max_parallel_requests is not null or token_budget is not null`

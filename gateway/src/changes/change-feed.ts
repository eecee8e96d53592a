import { type Kysely, sql } from 'kysely'
import type { Logger } from 'pino'
import type { Database, Unlisten } from '../db/database.js'
import type { Tables } from '../db/tables.js'

export const CHANGE_CHANNEL = 'keygate_cache'
/** cache_events rows older than this are pruned; replicas only ever need the last few minutes. */
const RETENTION = '1 day'

/**
 * key: target is the key hash; user: the user id; model: the model id (or '*'); login: a login-throttle unlock
 * (auth/login-unlock.ts: `user:NAME`, `address:IP` or `*`).
 */
export type ChangeKind = 'key' | 'user' | 'model' | 'login'

const KINDS: ReadonlySet<string> = new Set<ChangeKind>(['key', 'user', 'model', 'login'])

function isChangeKind(kind: string): kind is ChangeKind {
  return KINDS.has(kind)
}

export interface ChangeEvent {
  readonly id: number
  readonly kind: ChangeKind
  readonly target: string
}

/** A handler may return a promise (e.g. a registry reload); catchUp() resolves only when it has settled. */
export type ChangeHandler = (events: readonly ChangeEvent[]) => void | Promise<void>

/**
 * Records a change that caches must see. Call it inside the transaction that makes the change: the row and the
 * NOTIFY become visible to every replica at commit, and not before.
 */
export async function recordChange(
  db: Kysely<Tables>,
  kind: ChangeKind,
  target: string,
): Promise<void> {
  const row = await db
    .insertInto('cache_events')
    .values({ kind, target })
    .returning('id')
    .executeTakeFirstOrThrow()
  await sql`select pg_notify(${CHANGE_CHANNEL}, ${String(row.id)})`.execute(db)
}

export interface ChangeFeedOptions {
  database: Database
  refreshMs: number
  logger: Logger
  now?: () => number
}

/**
 * Delivers cache_events to subscribers: at once on NOTIFY, and every `refreshMs` as a safety net that re-reads the
 * recent window (ids can commit out of order, so the window is by time, not only by id). Handlers must be
 * idempotent: an event may be delivered twice.
 */
export class ChangeFeed {
  readonly #db: Kysely<Tables>
  readonly #database: Database
  readonly #refreshMs: number
  readonly #log: Logger
  readonly #now: () => number
  readonly #handlers: ChangeHandler[] = []
  #lastId = 0
  #lastCaughtUpAt = 0
  #inflight: Promise<void> | undefined
  #again = false
  #timer: NodeJS.Timeout | undefined
  #unlisten: Unlisten | undefined

  constructor(options: ChangeFeedOptions) {
    this.#database = options.database
    this.#db = options.database.db
    this.#refreshMs = options.refreshMs
    this.#log = options.logger
    this.#now = options.now ?? Date.now
  }

  subscribe(handler: ChangeHandler): void {
    this.#handlers.push(handler)
  }

  /** Starts listening and the periodic refresh; events before start() are not replayed (caches load fresh). */
  async start(): Promise<void> {
    const row = await this.#db
      .selectFrom('cache_events')
      .select((eb) => eb.fn.max('id').as('max'))
      .executeTakeFirst()
    this.#lastId = Number(row?.max ?? 0)
    this.#lastCaughtUpAt = this.#now()
    const catchUpNow = () => {
      this.catchUp().catch((err: unknown) => this.#log.warn({ err }, 'change feed catch-up failed'))
    }
    // Also on every re-subscription after a lost connection: changes notified while nobody listened are read now.
    this.#unlisten = await this.#database.listen(CHANGE_CHANNEL, catchUpNow, catchUpNow)
    this.#timer = setInterval(() => {
      this.#safetyRefresh().catch((err: unknown) =>
        this.#log.warn({ err }, 'change feed refresh failed'),
      )
    }, this.#refreshMs)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#unlisten?.()
    this.#unlisten = undefined
  }

  /** Seconds since the feed last read the database successfully. */
  refreshAgeSeconds(): number {
    return this.#lastCaughtUpAt === 0 ? 0 : (this.#now() - this.#lastCaughtUpAt) / 1000
  }

  /**
   * Reads and delivers every event after the last one seen. Concurrent calls share one read, and a call made while a
   * read is running triggers one more, so a caller that just committed a change sees it delivered when this resolves.
   */
  catchUp(): Promise<void> {
    if (this.#inflight) {
      this.#again = true
      return this.#inflight
    }
    this.#inflight = this.#readNew().finally(() => {
      this.#inflight = undefined
    })
    return this.#inflight
  }

  async #readNew(): Promise<void> {
    do {
      this.#again = false
      const rows = await this.#db
        .selectFrom('cache_events')
        .select(['id', 'kind', 'target'])
        .where('id', '>', this.#lastId)
        .orderBy('id')
        .execute()
      await this.#deliver(rows)
    } while (this.#again)
  }

  async #safetyRefresh(): Promise<void> {
    const windowSeconds = Math.ceil((2 * this.#refreshMs) / 1000) + 10
    const rows = await this.#db
      .selectFrom('cache_events')
      .select(['id', 'kind', 'target'])
      .where(sql<boolean>`at > now() - make_interval(secs => ${windowSeconds})`)
      .orderBy('id')
      .execute()
    this.#deliver(rows)
    await this.#db
      .deleteFrom('cache_events')
      .where(sql<boolean>`at < now() - ${RETENTION}::interval`)
      .execute()
  }

  async #deliver(rows: readonly { id: number; kind: string; target: string }[]): Promise<void> {
    this.#lastCaughtUpAt = this.#now()
    const events: ChangeEvent[] = []
    for (const r of rows) {
      if (isChangeKind(r.kind)) {
        events.push({ id: r.id, kind: r.kind, target: r.target })
      }
      if (r.id > this.#lastId) {
        this.#lastId = r.id
      }
    }
    if (events.length === 0) {
      return
    }
    const pending: Promise<void>[] = []
    const failures: unknown[] = []
    for (const handler of this.#handlers) {
      try {
        const done = handler(events)
        if (done !== undefined) {
          pending.push(done)
        }
      } catch (err) {
        failures.push(err)
      }
    }
    for (const result of await Promise.allSettled(pending)) {
      if (result.status === 'rejected') {
        failures.push(result.reason)
      }
    }
    if (failures.length > 0) {
      // The events are consumed either way; the periodic refresh re-delivers the recent window.
      throw new Error('a change handler failed', { cause: failures[0] })
    }
  }
}

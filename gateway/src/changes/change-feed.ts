import { type Kysely, sql } from 'kysely'
import type { Logger } from 'pino'
import type { Database, Unlisten } from '../db/database.js'
import type { Tables } from '../db/tables.js'
import { IdGaps } from './id-gaps.js'
import { runHandlers } from './run-handlers.js'

export const CHANGE_CHANNEL = 'keygate_cache'
/** cache_events rows older than this are pruned; replicas only ever need the last few minutes. */
const RETENTION = '1 day'
/** How long, and how many, ids skipped by a read are read again (see IdGaps); Keygate's own writes take ms. */
const GAP_RETENTION_MS = 10 * 60_000
const MAX_GAPS = 10_000

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
 * Delivers cache_events to subscribers: at once on NOTIFY, and every `refreshMs` as a safety net for a lost
 * notification. Rows commit out of id order: ids a read skipped are read again with each later read (IdGaps), so a
 * change whose transaction commits after one with a higher id arrives with its own NOTIFY, not a minute later.
 * Handlers must be idempotent: an event may be delivered twice. What the feed cannot see (a change made without a
 * cache_events row) the caches catch by reading again: keys by a bounded entry life, others with `everyRefresh`.
 */
export class ChangeFeed {
  readonly #db: Kysely<Tables>
  readonly #database: Database
  readonly #refreshMs: number
  readonly #log: Logger
  readonly #now: () => number
  readonly #handlers: ChangeHandler[] = []
  readonly #rereads: (() => Promise<void>)[] = []
  readonly #gaps = new IdGaps({ max: MAX_GAPS, retentionMs: GAP_RETENTION_MS })
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

  /**
   * Runs `reread` with every safety refresh: a cache that reloads cheaply re-reads everything, so a change made
   * outside the feed (manual SQL, a restore) reaches it within `refreshMs` too. A failure is logged.
   */
  everyRefresh(reread: () => Promise<void>): void {
    this.#rereads.push(reread)
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
    const onNotify = (payload: string) => {
      // The payload is the event's id: one this replica has read already (its own write, read by the route's
      // catchUp before the notification came) needs no read; a new id or a skipped one does.
      const id = Number(payload)
      if (!Number.isSafeInteger(id) || id > this.#lastId || this.#gaps.has(id)) {
        catchUpNow()
      }
    }
    // Also on every re-subscription after a lost connection: changes notified while nobody listened are read now.
    this.#unlisten = await this.#database.listen(CHANGE_CHANNEL, onNotify, catchUpNow)
    this.#timer = setInterval(() => {
      this.#safetyRefresh().catch((err: unknown) =>
        this.#log.warn({ err }, 'change feed refresh failed'),
      )
      for (const reread of this.#rereads) {
        reread().catch((err: unknown) => this.#log.warn({ err }, 'periodic re-read failed'))
      }
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
   * Reads and delivers every event after the last one seen, and those skipped before. Concurrent calls share one
   * read, and a call made while a read is running triggers one more, so a caller that just committed a change sees
   * it delivered when this resolves.
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
      const lastId = this.#lastId
      const skipped = this.#gaps.ids(this.#now())
      const rows = await this.#db
        .selectFrom('cache_events')
        .select(['id', 'kind', 'target'])
        .where((eb) =>
          skipped.length === 0
            ? eb('id', '>', lastId)
            : eb.or([eb('id', '>', lastId), eb('id', 'in', skipped)]),
        )
        .orderBy('id')
        .execute()
      // One read at a time (catchUp), so nothing moved #lastId meanwhile.
      this.#gaps.note(
        lastId,
        rows.map((r) => r.id),
        this.#now(),
      )
      this.#lastId = Math.max(lastId, rows.at(-1)?.id ?? 0)
      await this.#deliver(rows)
    } while (this.#again)
  }

  async #safetyRefresh(): Promise<void> {
    await this.#db
      .deleteFrom('cache_events')
      .where(sql<boolean>`at < now() - ${RETENTION}::interval`)
      .execute()
    // What a lost notification left unread, skipped ids included. Awaited: a failing handler rejects this refresh,
    // which its timer logs.
    await this.catchUp()
  }

  async #deliver(rows: readonly { id: number; kind: string; target: string }[]): Promise<void> {
    this.#lastCaughtUpAt = this.#now()
    const events: ChangeEvent[] = []
    for (const r of rows) {
      if (isChangeKind(r.kind)) {
        events.push({ id: r.id, kind: r.kind, target: r.target })
      }
    }
    if (events.length === 0) {
      return
    }
    // The events are consumed even when a handler fails: the caches' own periodic re-reads make up for it.
    await runHandlers(this.#handlers, events)
  }
}

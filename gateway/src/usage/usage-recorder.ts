import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import type { Tables } from '../db/tables.js'
import type { Metrics } from '../observability/metrics.js'
import { UsageBuffer, type UsageRow } from './usage-buffer.js'
import { WRITE_BATCH_ROWS, writeUsage } from './usage-writer.js'

/** One finished inference request made with an API key. */
export interface UsageEvent {
  readonly keyId: number
  /** The configured model name (never a client-invented one). */
  readonly model: string
  readonly promptTokens: number
  readonly completionTokens: number
  readonly isError: boolean
  /** Refused by a limit: counted in `refused`, not in `requests` or `errors`. */
  readonly isRefused?: boolean
}

export interface UsageRecorder {
  /** Called on the request path: no I/O, never throws. */
  record(event: UsageEvent): void
  /**
   * Writes everything recorded before the call (waiting for a write already running). Rejects when the database
   * fails; the rows then stay buffered for the next attempt.
   */
  flush(): Promise<void>
  /** Stops the timer and makes a last flush; never rejects (a failure is logged with what was lost). */
  close(): Promise<void>
}

export interface UsageRecorderOptions {
  db: Kysely<Tables>
  logger: Logger
  metrics: Metrics
  clock: Clock
  /** How often buffered usage is written (default 2 s). */
  flushIntervalMs?: number
  /** Aggregate rows held while the database is away; beyond this, requests are dropped and counted (default 100,000). */
  maxBufferedRows?: number
  /** The write, replaceable by tests that need a failing database without cutting one. */
  write?: (db: Kysely<Tables>, rows: readonly UsageRow[]) => Promise<void>
}

export const DEFAULT_FLUSH_INTERVAL_MS = 2_000
export const DEFAULT_MAX_BUFFERED_ROWS = 100_000

/**
 * Per-key usage: requests are aggregated in memory by (key, model, UTC day) and written off the
 * request path every `flushIntervalMs`, in batches, each one upsert plus one last_used_at update. While the database
 * is away the aggregates wait (bounded), and are written when it is back.
 */
export function createUsageRecorder(options: UsageRecorderOptions): UsageRecorder {
  const { db, logger, metrics, clock } = options
  const write = options.write ?? writeUsage
  const buffer = new UsageBuffer(options.maxBufferedRows ?? DEFAULT_MAX_BUFFERED_ROWS)
  let chain: Promise<void> = Promise.resolve()
  let writing = false
  let failing = false
  let closed = false

  async function writeBuffered(): Promise<void> {
    const rows = buffer.take().sort(byLockOrder)
    for (let i = 0; i < rows.length; i += WRITE_BATCH_ROWS) {
      const batch = rows.slice(i, i + WRITE_BATCH_ROWS)
      try {
        await writeBatch(batch)
      } catch (err) {
        const dropped = buffer.restore(rows.slice(i))
        if (dropped > 0) {
          metrics.usageDropped.inc(dropped)
        }
        if (!failing) {
          failing = true
          logger.warn({ err, bufferedRows: buffer.size }, 'usage write failed; keeping it buffered')
        }
        throw err
      }
    }
    if (failing) {
      failing = false
      logger.info({ rows: rows.length }, 'usage write recovered; buffered usage written')
    }
  }

  async function writeBatch(batch: readonly UsageRow[]): Promise<void> {
    try {
      await write(db, batch)
    } catch (err) {
      // Only a database still carrying usage_daily's old foreign key to api_keys (before migration 0003) can
      // refuse a row of a key deleted meanwhile: once more, and it is filtered out.
      if (isForeignKeyViolation(err)) {
        await write(db, batch)
        return
      }
      throw err
    }
  }

  function flush(): Promise<void> {
    const run = chain.then(async () => {
      writing = true
      try {
        await writeBuffered()
      } finally {
        writing = false
      }
    })
    chain = run.catch(() => undefined)
    return run
  }

  const timer = setInterval(() => {
    // While a write is still running (a slow or absent database) the next tick waits its turn instead of queueing.
    if (!writing && buffer.size > 0) {
      flush().catch(() => undefined)
    }
  }, options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS)
  timer.unref()

  return {
    record(event) {
      try {
        const added =
          !closed &&
          buffer.add({
            keyId: event.keyId,
            model: event.model,
            promptTokens: safeCount(event.promptTokens),
            completionTokens: safeCount(event.completionTokens),
            isError: event.isError,
            isRefused: event.isRefused === true,
            atMs: clock.now(),
          })
        if (!added) {
          metrics.usageDropped.inc()
        }
      } catch (err) {
        logger.error({ err }, 'usage record failed')
      }
    },
    flush,
    async close() {
      if (closed) {
        return
      }
      closed = true
      clearInterval(timer)
      try {
        await flush()
      } catch (err) {
        logger.error({ err, lostRows: buffer.size }, 'usage could not be written at shutdown')
      }
    },
  }
}

/** Token counts come from engines: anything that is not a non-negative integer counts as 0. */
function safeCount(n: number): number {
  return Number.isSafeInteger(n) && n > 0 ? n : 0
}

/** Replicas write in the same row order, so two concurrent flushes cannot deadlock on each other's rows. */
function byLockOrder(a: UsageRow, b: UsageRow): number {
  return a.keyId - b.keyId || a.model.localeCompare(b.model) || a.day.localeCompare(b.day)
}

function isForeignKeyViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === '23503'
}

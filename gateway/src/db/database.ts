import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, sql } from 'kysely'
import postgres from 'postgres'
import { PGliteDialect } from './pglite-dialect.js'
import { KeygatePostgresJSDialect } from './postgres-js-dialect.js'
import type { Tables } from './tables.js'

const INT8_OID = 20

export type Unlisten = () => Promise<void>

/** The database and the two things Kysely does not do: LISTEN and a cheap liveness check. */
export interface Database {
  readonly db: Kysely<Tables>
  readonly kind: 'postgres' | 'pglite'
  /**
   * Subscribes to NOTIFY on `channel`; the callback gets the payload. `onSubscribed` runs after every (re)subscription:
   * postgres.js re-subscribes by itself after a lost connection, and what was notified meanwhile is gone.
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onSubscribed?: () => void,
  ): Promise<Unlisten>
  ping(): Promise<void>
  /** Runs a multi-statement script (simple query protocol); tests build databases from SQL files with it. */
  execScript(script: string): Promise<void>
  close(): Promise<void>
}

export type DatabaseOptions =
  | { kind: 'postgres'; url: string; maxConnections?: number }
  | { kind: 'pglite'; dataDir: string | undefined }

/** Opens Postgres (postgres.js pool) or the embedded PGlite; `dataDir` undefined keeps PGlite in memory. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.kind === 'postgres'
    ? openPostgres(options.url, options.maxConnections ?? 10)
    : openPGlite(options.dataDir)
}

function openPostgres(url: string, max: number): Database {
  const client = postgres(url, {
    max,
    onnotice: () => {},
    // int8 ids and counters fit in a JS number; bigint strings everywhere would be a trap.
    types: {
      int8: {
        to: INT8_OID,
        from: [INT8_OID],
        serialize: (v: number) => String(v),
        parse: (v: string) => Number(v),
      },
    },
    connection: { application_name: 'keygate' },
    // A database host that does not answer at all must fail fast (503), not hang requests for postgres.js's 30 s.
    connect_timeout: 5,
    // postgres.js backs off up to 20 s between reconnects; cap it so the gateway recovers within ~2 s of an outage.
    backoff: (attempt: number) => Math.min(0.1 * 2 ** attempt, 2),
  })
  const db = new Kysely<Tables>({ dialect: new KeygatePostgresJSDialect({ postgres: client }) })
  return {
    db,
    kind: 'postgres',
    async listen(channel, onPayload, onSubscribed) {
      const sub = await client.listen(channel, onPayload, onSubscribed)
      return () => sub.unlisten()
    },
    async ping() {
      await sql`select 1`.execute(db)
    },
    async execScript(script) {
      await client.unsafe(script).simple()
    },
    async close() {
      await db.destroy()
    },
  }
}

async function openPGlite(dataDir: string | undefined): Promise<Database> {
  let path: string | undefined
  if (dataDir !== undefined) {
    path = join(dataDir, 'pglite')
    mkdirSync(path, { recursive: true })
  }
  const pg = await PGlite.create(path, { parsers: { [INT8_OID]: (v: string) => Number(v) } })
  const db = new Kysely<Tables>({ dialect: new PGliteDialect(pg) })
  return {
    db,
    kind: 'pglite',
    async listen(channel, onPayload) {
      const unlisten = await pg.listen(channel, onPayload)
      return () => unlisten()
    },
    async ping() {
      await pg.query('select 1')
    },
    async execScript(script) {
      await pg.exec(script)
    },
    async close() {
      await db.destroy()
      await pg.close()
    },
  }
}

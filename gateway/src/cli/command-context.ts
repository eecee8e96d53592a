import type { Config } from '../config.js'
import { type Database, openDatabase } from '../db/database.js'
import { databaseOptionsFor } from '../deps.js'

/** Where a CLI command prints: the terminal, or the answer the gateway sends back over its control socket. */
export interface CommandIo {
  out(line: string): void
  err(line: string): void
}

/** Runs `work` on the database: one the command opens (and closes) itself, or the serving gateway's own. */
export type UseDatabase = <T>(work: (database: Database) => Promise<T>) => Promise<T>

export interface CommandContext {
  readonly io: CommandIo
  readonly useDatabase: UseDatabase
}

/** A CLI command: its arguments after the command name; resolves with the exit code. */
export type Command = (ctx: CommandContext, args: string[]) => Promise<number>

export const consoleIo: CommandIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
}

/** The database opened for the one command (and closed after it): Postgres, or PGlite while this process holds it. */
export function ownDatabase(config: Config): UseDatabase {
  return async (work) => {
    const database = await openDatabase(databaseOptionsFor(config))
    try {
      return await work(database)
    } finally {
      await database.close()
    }
  }
}

/** What a command printed, collected for the control socket's answer. */
export function collectingIo(): CommandIo & { readonly out_: string[]; readonly err_: string[] } {
  const out_: string[] = []
  const err_: string[] = []
  return { out_, err_, out: (line) => out_.push(line), err: (line) => err_.push(line) }
}

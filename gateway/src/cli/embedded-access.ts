import { resolve } from 'node:path'
import type { Config } from '../config.js'
import { acquireDataDirLock, type LockHolder } from '../db/data-dir-lock.js'
import type { Database } from '../db/database.js'
import { type Command, collectingIo, consoleIo, ownDatabase } from './command-context.js'
import { databaseCommand } from './commands.js'
import {
  type ControlServer,
  controlSocketAnswers,
  sendControlRequest,
  startControlServer,
} from './control-socket.js'

/**
 * Who may open the embedded database (PGlite, one process only) and how the CLI reaches it while a gateway serves
 * it: see db/data-dir-lock.ts and cli/control-socket.ts. On Postgres none of this applies: any number of processes
 * share it.
 */

function usesEmbedded(config: Config): boolean {
  return config.databaseUrl === undefined
}

function describeHolder(holder: LockHolder, dataDir: string): string {
  const who = holder.role === 'serve' ? 'a running gateway' : `\`keygate ${holder.role}\``
  return `the embedded database in ${resolve(dataDir)} is in use by ${who} (pid ${holder.pid} on ${holder.hostname})`
}

/** Runs a database command from the CLI: itself, or through the gateway serving the embedded database. */
export async function runDatabaseCommand(
  config: Config,
  name: string,
  command: Command,
  args: string[],
): Promise<number> {
  if (!usesEmbedded(config)) {
    return command({ io: consoleIo, useDatabase: ownDatabase(config) }, args)
  }
  const dataDir = config.dataDir
  const claim = await acquireDataDirLock(dataDir, name, () => controlSocketAnswers(dataDir))
  if (claim.ok) {
    try {
      return await command({ io: consoleIo, useDatabase: ownDatabase(config) }, args)
    } finally {
      claim.lock.release()
    }
  }
  if (claim.holder.role !== 'serve') {
    console.error(
      `keygate: ${describeHolder(claim.holder, dataDir)}; try again once it has finished.`,
    )
    return 1
  }
  // The gateway runs the command on its own database (the one process that may open it) and says what it printed.
  const answer = await sendControlRequest(dataDir, { command: name, args })
  if (answer.out !== '') {
    process.stdout.write(`${answer.out}\n`)
  }
  if (answer.err !== '') {
    process.stderr.write(`${answer.err}\n`)
  }
  return answer.code
}

/** What `keygate serve` holds on the embedded database: the lock and the control socket. */
export interface ServeClaim {
  /** From now on the control socket runs commands on this database (until then they wait). */
  serve(database: Database): void
  /** Stops answering and gives the lock back; call after the database is closed. */
  release(): Promise<void>
}

/**
 * Takes the embedded database's directory for a serving gateway, before it opens the database; throws with who
 * holds it otherwise. Undefined on Postgres.
 */
export async function claimForServe(config: Config): Promise<ServeClaim | undefined> {
  if (!usesEmbedded(config)) {
    return undefined
  }
  const dataDir = config.dataDir
  const claim = await acquireDataDirLock(dataDir, 'serve', () => controlSocketAnswers(dataDir))
  if (!claim.ok) {
    throw new Error(
      `${describeHolder(claim.holder, dataDir)}. One process opens the embedded database: run one gateway per ` +
        'data directory (several replicas need Postgres, DATABASE_URL); while it runs, the CLI commands go through it.',
    )
  }
  let serving: (database: Database) => void = () => {}
  const ready = new Promise<Database>((done) => {
    serving = done
  })
  let server: ControlServer
  try {
    // Listening from the start says "alive" to any process that finds the lock, before the database is open.
    server = await startControlServer(dataDir, async (request) => {
      const command = databaseCommand(request.command)
      if (command === undefined) {
        return { out: '', err: `keygate: unknown command ${request.command}`, code: 2 }
      }
      const database = await ready
      const io = collectingIo()
      const code = await command({ io, useDatabase: (work) => work(database) }, [...request.args])
      return { out: io.out_.join('\n'), err: io.err_.join('\n'), code }
    })
  } catch (err) {
    claim.lock.release()
    throw err
  }
  return {
    serve: (database) => serving(database),
    release: async () => {
      await server.close()
      claim.lock.release()
    },
  }
}

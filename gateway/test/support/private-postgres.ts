import { execFile } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * A Postgres server of the test's own (initdb + pg_ctl in a temp dir, on a free port), so a test may stop and
 * restart it: the shared server at 127.0.0.1:5432 must never be touched. The superuser is `root`, trust auth,
 * listening on 127.0.0.1 only.
 */
export interface PrivatePostgres {
  /** postgres://root@127.0.0.1:<port>/postgres */
  readonly url: string
  readonly port: number
  /** pg_ctl restart -m fast: every backend is told to end, the server comes back on the same port. */
  restart(): Promise<void>
  stop(): Promise<void>
  start(): Promise<void>
  /** Stops the server and deletes its directory. */
  destroy(): Promise<void>
}

/** Debian's layout, newest version first; undefined when no Postgres server binaries are installed. */
export function findPostgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) {
    return undefined
  }
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))
  const newest = versions[0]
  return newest === undefined ? undefined : join(root, newest, 'bin')
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (typeof address !== 'object' || address === null) {
    throw new Error('no free port')
  }
  return address.port
}

/** initdb refuses to run as root: as root, run the server binaries as the `postgres` system user. */
function asServerUser(binary: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0
    ? ['runuser', ['-u', 'postgres', '--', binary, ...args]]
    : [binary, args]
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = findPostgresBinDir()
  if (bin === undefined) {
    throw new Error(
      'no Postgres server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)',
    )
  }
  const dir = mkdtempSync(join(tmpdir(), 'keygate-pg-'))
  if (process.getuid?.() === 0) {
    chmodSync(dir, 0o755)
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()))
  }
  const data = join(dir, 'data')
  const port = await freePort()
  const pgCtl = async (...args: string[]) => {
    const [cmd, argv] = asServerUser(join(bin, 'pg_ctl'), ['-D', data, ...args])
    await run(cmd, argv, { timeout: 60_000 })
  }
  const serverOptions = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
  ].join(' ')
  const startServer = () => pgCtl('-w', '-l', join(dir, 'server.log'), '-o', serverOptions, 'start')
  const [initdb, initArgs] = asServerUser(join(bin, 'initdb'), [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'root',
    '-E',
    'UTF8',
    '--no-sync',
  ])
  await run(initdb, initArgs, { timeout: 120_000 })
  await startServer()
  let running = true
  return {
    url: `postgres://root@127.0.0.1:${port}/postgres`,
    port,
    async restart() {
      await pgCtl('-w', '-m', 'fast', '-l', join(dir, 'server.log'), '-o', serverOptions, 'restart')
    },
    async stop() {
      await pgCtl('-w', '-m', 'fast', 'stop')
      running = false
    },
    async start() {
      await startServer()
      running = true
    },
    async destroy() {
      if (running) {
        await pgCtl('-w', '-m', 'immediate', 'stop').catch(() => undefined)
        running = false
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

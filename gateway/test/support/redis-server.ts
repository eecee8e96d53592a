import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { type AddressInfo, createServer } from 'node:net'
import { Redis } from 'ioredis'

/** The machine's shared Redis: tests use it under a prefix of their own and never flush it. */
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A key prefix unique to one test file run. */
export function testPrefix(name: string): string {
  return `kgtest:${name}:${process.pid}:${Date.now().toString(36)}:`
}

/** Deletes every key under `prefix` (SCAN + UNLINK; never FLUSHALL on a shared server). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true })
  await redis.connect()
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) {
        await redis.unlink(...keys)
      }
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * A private redis-server on its own port, which a test may kill, pause (SIGSTOP: the socket stays open but nothing
 * answers, as with a hung server) and start again on the same port. Nothing is kept on disk.
 */
export interface PrivateRedis {
  readonly port: number
  readonly url: string
  readonly running: boolean
  kill(): Promise<void>
  pause(): void
  resume(): void
  start(): Promise<void>
  stop(): Promise<void>
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const url = `redis://127.0.0.1:${port}`

  async function start(): Promise<void> {
    if (child !== undefined) {
      throw new Error('this redis-server is already running')
    }
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    )
    child = proc
    const until = Date.now() + 10_000
    for (;;) {
      const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null })
      probe.on('error', () => {})
      try {
        await probe.connect()
        await probe.ping()
        return
      } catch {
        if (Date.now() > until || proc.exitCode !== null) {
          throw new Error(`redis-server on port ${port} did not start`)
        }
        await new Promise((r) => setTimeout(r, 50))
      } finally {
        probe.disconnect()
      }
    }
  }

  async function kill(): Promise<void> {
    const proc = child
    child = undefined
    if (proc === undefined || proc.exitCode !== null) {
      return
    }
    const exited = once(proc, 'exit')
    proc.kill('SIGCONT')
    proc.kill('SIGKILL')
    await exited
  }

  await start()
  return {
    port,
    url,
    get running() {
      return child !== undefined
    },
    kill,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    start,
    stop: kill,
  }
}

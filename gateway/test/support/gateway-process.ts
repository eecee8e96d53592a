import { type ChildProcess, spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'

const REPO = resolve(import.meta.dirname, '../../..')

export type LogLine = Record<string, unknown>

export interface GatewayProcess {
  readonly child: ChildProcess
  /** Every JSON log line so far, in order. */
  readonly lines: LogLine[]
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>
  /** True until the process has exited. */
  isRunning(): boolean
  /** What the process wrote to stderr (Node prints an uncaught exception there before exiting). */
  stderr(): string
  /** Resolves with the first log line whose msg is `msg` (already seen or still to come); rejects on exit. */
  logLine(msg: string): Promise<LogLine>
  /** Waits for "keygate listening" and returns the gateway's base URL. */
  listening(): Promise<string>
}

/**
 * The real CLI (`keygate serve`) as a child process, with its JSON log lines as they arrive. The caller's
 * DATABASE_URL/TEST_DATABASE_URL are not inherited: `env` says which database the child uses. `nodeArgs` go
 * before the script (e.g. `--import` of a module that injects a fault into the process).
 */
export function spawnGateway(env: Record<string, string>, nodeArgs: string[] = []): GatewayProcess {
  const base = { ...process.env }
  delete base.DATABASE_URL
  delete base.TEST_DATABASE_URL
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ...nodeArgs, 'gateway/src/cli.ts', 'serve'],
    {
      cwd: REPO,
      env: { ...base, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const lines: LogLine[] = []
  const waiters: { match: (l: LogLine) => boolean; done: (l: LogLine) => void }[] = []
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: LogLine
    try {
      line = JSON.parse(text) as LogLine
    } catch {
      return
    }
    lines.push(line)
    for (const w of waiters.filter((x) => x.match(line))) {
      w.done(line)
    }
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  let running = true
  const exited = new Promise<number | null>((done) =>
    child.on('exit', (code) => {
      running = false
      done(code)
    }),
  )
  const logLine = (msg: string) =>
    new Promise<LogLine>((done, fail) => {
      const seen = lines.find((l) => l.msg === msg)
      if (seen !== undefined) {
        done(seen)
        return
      }
      waiters.push({ match: (l) => l.msg === msg, done })
      void exited.then((code) =>
        fail(new Error(`gateway exited (${code}) before "${msg}": ${stderr}`)),
      )
    })
  return {
    child,
    lines,
    exited,
    isRunning: () => running,
    stderr: () => stderr,
    logLine,
    listening: async () => `http://127.0.0.1:${(await logLine('keygate listening')).port}`,
  }
}

import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'

/**
 * One process at a time opens the embedded database (PGlite is single-process: a second one on the same directory
 * corrupts or silently loses writes). The process that opens it holds `<data dir>/keygate.lock`, created with
 * O_EXCL and holding who it is; it is removed when the process closes the database. A serving gateway also answers
 * on `<data dir>/keygate.sock` (cli/control-socket.ts), which is how a second process tells a live holder from a
 * crashed one and how the CLI reaches the database while the gateway runs.
 */

export interface LockHolder {
  readonly pid: number
  readonly hostname: string
  /** `serve`: a gateway (answers on the control socket); otherwise the CLI command that holds it. */
  readonly role: string
}

export interface DataDirLock {
  readonly path: string
  release(): void
}

export type LockOutcome =
  | { readonly ok: true; readonly lock: DataDirLock }
  | { readonly ok: false; readonly holder: LockHolder; readonly path: string }

export const LOCK_FILE = 'keygate.lock'

export function lockPathOf(dataDir: string): string {
  return join(dataDir, LOCK_FILE)
}

/**
 * Takes the data directory's lock for `role`, or says who holds it. A lock whose holder is gone (a crashed
 * process) is taken over: a `serve` holder is alive while its control socket accepts (`serverAnswers`), any
 * other while its pid runs on this host.
 */
export async function acquireDataDirLock(
  dataDir: string,
  role: string,
  serverAnswers: () => Promise<boolean>,
): Promise<LockOutcome> {
  mkdirSync(dataDir, { recursive: true })
  const path = lockPathOf(dataDir)
  const me: LockHolder = { pid: process.pid, hostname: hostname(), role }
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (tryCreate(path, me)) {
      return { ok: true, lock: { path, release: () => releaseIfMine(path) } }
    }
    const holder = readHolder(path)
    if (holder !== undefined && (await isAlive(holder, serverAnswers))) {
      return { ok: false, holder, path }
    }
    // Gone (or unreadable: a holder killed between creating and writing the file): take it over, unless
    // another process did meanwhile.
    if (sameHolder(readHolder(path), holder)) {
      try {
        unlinkSync(path)
      } catch (err) {
        if (!isCode(err, 'ENOENT')) {
          throw err
        }
      }
    }
  }
  const holder = readHolder(path) ?? { pid: 0, hostname: '?', role: '?' }
  return { ok: false, holder, path }
}

function tryCreate(path: string, me: LockHolder): boolean {
  let fd: number
  try {
    fd = openSync(path, 'wx', 0o600)
  } catch (err) {
    if (isCode(err, 'EEXIST')) {
      return false
    }
    throw err
  }
  try {
    writeSync(fd, `${JSON.stringify(me)}\n`)
  } finally {
    closeSync(fd)
  }
  return true
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'))
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'pid' in parsed &&
      typeof parsed.pid === 'number' &&
      'hostname' in parsed &&
      typeof parsed.hostname === 'string' &&
      'role' in parsed &&
      typeof parsed.role === 'string'
    ) {
      return { pid: parsed.pid, hostname: parsed.hostname, role: parsed.role }
    }
  } catch {
    // Missing or half-written: no holder to speak of.
  }
  return undefined
}

function sameHolder(a: LockHolder | undefined, b: LockHolder | undefined): boolean {
  return a?.pid === b?.pid && a?.hostname === b?.hostname && a?.role === b?.role
}

async function isAlive(
  holder: LockHolder,
  serverAnswers: () => Promise<boolean>,
): Promise<boolean> {
  if (holder.role === 'serve') {
    // A pid says little across containers (every gateway may be pid 1); the socket it listens on does.
    return serverAnswers()
  }
  if (holder.hostname !== hostname()) {
    return true // a CLI on another host sharing the volume: nothing here can tell, so leave it be
  }
  if (holder.pid === process.pid) {
    return false // a previous incarnation with our pid (a restarted container)
  }
  try {
    process.kill(holder.pid, 0)
    return true
  } catch (err) {
    return isCode(err, 'EPERM')
  }
}

function releaseIfMine(path: string): void {
  const holder = readHolder(path)
  if (holder?.pid === process.pid && holder.hostname === hostname()) {
    try {
      unlinkSync(path)
    } catch {
      // Already gone.
    }
  }
}

function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === code
}

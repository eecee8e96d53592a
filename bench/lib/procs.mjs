// Process orchestration for the benchmarks: start a child (optionally pinned to a core with taskset), wait until
// an HTTP endpoint answers 200, stop it (SIGTERM, then SIGKILL), and read its memory from /proc. Every child is
// tracked so an interrupted run leaves nothing behind.
import { spawn } from 'node:child_process'
import { createWriteStream, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

const live = new Set()

function killAll() {
  for (const p of live) {
    try {
      p.child.kill('SIGKILL')
    } catch {}
  }
}
process.on('exit', killAll)
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killAll()
    process.exit(130)
  })
}

/**
 * Starts `cmd args` with `env` added to the current environment; `cpu` pins it (taskset -c). stdout and stderr go
 * to `<logDir>/<name>.log`.
 */
export function startProc({ name, cmd, args, env = {}, cpu, logDir, cwd }) {
  const useTaskset = cpu !== undefined && cpu !== null
  const file = useTaskset ? 'taskset' : cmd
  const argv = useTaskset ? ['-c', String(cpu), cmd, ...args] : args
  const child = spawn(file, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const logFile = join(logDir, `${name}.log`)
  const log = createWriteStream(logFile, { flags: 'a' })
  child.stdout.pipe(log)
  child.stderr.pipe(log)
  const proc = {
    name,
    child,
    logFile,
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
  }
  live.add(proc)
  proc.exited.then(() => live.delete(proc))
  return proc
}

/** Polls `url` until it answers 200; throws with the tail of the log if the process dies or time runs out. */
export async function waitReady(proc, url, timeoutMs = 30_000, init = {}) {
  const t0 = performance.now()
  let dead = false
  proc.exited.then(() => {
    dead = true
  })
  while (performance.now() - t0 < timeoutMs) {
    if (dead) throw new Error(`${proc.name} exited before it was ready:\n${tail(proc.logFile)}`)
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) })
      await res.arrayBuffer()
      if (res.status === 200) return performance.now() - t0
    } catch {}
    await sleep(20)
  }
  throw new Error(`${proc.name} not ready at ${url} after ${timeoutMs} ms:\n${tail(proc.logFile)}`)
}

export async function stopProc(proc, graceMs = 5000) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return
  proc.child.kill('SIGTERM')
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs)
  await proc.exited
  clearTimeout(timer)
}

export function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

/** Resident and peak resident memory of a process, in MB (VmRSS, VmHWM from /proc/<pid>/status). */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN)
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 }
}

/** CPU time (user + system) a process has used so far, in ms (clock ticks of 10 ms). */
export function cpuMsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) "
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

/** Runs a command to completion and returns its stdout; rejects on a non-zero exit or after `timeoutMs`. */
export function runToEnd(cmd, args, { env = {}, cwd, timeoutMs = 120_000, cpu } = {}) {
  const useTaskset = cpu !== undefined && cpu !== null
  const file = useTaskset ? 'taskset' : cmd
  const argv = useTaskset ? ['-c', String(cpu), cmd, ...args] : args
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      err += d
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${code ?? signal}):\n${err || out}`))
    })
  })
}

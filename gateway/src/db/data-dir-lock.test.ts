import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { acquireDataDirLock, lockPathOf } from './data-dir-lock.js'

const dirs: string[] = []
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-lock-'))
  dirs.push(dir)
  return dir
}
const noServer = () => Promise.resolve(false)

afterEach(() => {
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true })
  }
})

describe('the data directory lock', () => {
  it('is held by one taker at a time, and free again once released', async () => {
    const dir = fresh()
    const first = await acquireDataDirLock(dir, 'serve', noServer)
    expect(first.ok).toBe(true)
    expect(JSON.parse(readFileSync(lockPathOf(dir), 'utf8'))).toEqual({
      pid: process.pid,
      hostname: hostname(),
      role: 'serve',
    })
    // Held by a gateway whose socket answers: refused, with who holds it.
    const second = await acquireDataDirLock(dir, 'keys', () => Promise.resolve(true))
    expect(second).toMatchObject({ ok: false, holder: { pid: process.pid, role: 'serve' } })
    if (first.ok) {
      first.lock.release()
    }
    expect(existsSync(lockPathOf(dir))).toBe(false)
    expect((await acquireDataDirLock(dir, 'keys', noServer)).ok).toBe(true)
  })

  it("takes over a crashed gateway's lock (its socket no longer answers)", async () => {
    const dir = fresh()
    writeFileSync(lockPathOf(dir), JSON.stringify({ pid: 1, hostname: hostname(), role: 'serve' }))
    const taken = await acquireDataDirLock(dir, 'serve', noServer)
    expect(taken.ok).toBe(true)
  })

  it("refuses while a CLI command's process lives, and takes its lock over once it has gone", async () => {
    const dir = fresh()
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])
    const exited = new Promise((done) => child.on('exit', done))
    try {
      const holder = { pid: child.pid, hostname: hostname(), role: 'keys' }
      writeFileSync(lockPathOf(dir), JSON.stringify(holder))
      expect(await acquireDataDirLock(dir, 'serve', noServer)).toMatchObject({ ok: false, holder })
    } finally {
      child.kill('SIGKILL')
      await exited
    }
    expect((await acquireDataDirLock(dir, 'serve', noServer)).ok).toBe(true)
  })

  it('takes over a half-written lock file', async () => {
    const dir = fresh()
    writeFileSync(lockPathOf(dir), '')
    expect((await acquireDataDirLock(dir, 'migrate', noServer)).ok).toBe(true)
  })
})

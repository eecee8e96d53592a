// wrk (the Debian package) as the load generator for non-streaming requests: a generated Lua script sets the POST
// body and headers (and, for floods, a fresh random key per request and a per-connection delay to hold a rate),
// and the percentiles come from `wrk --latency`.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseWrkOutput } from './wrk-output.mjs'

function luaString(s) {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}

/**
 * A Lua script for POSTing `body` with `headers`. `randomKey: true` replaces Authorization with a fresh random
 * Keygate-shaped key per request; `delayMs` makes each connection wait between requests (rate = conns/delay).
 */
export function wrkScript({ body, headers = {}, randomKey = false, delayMs = 0 }) {
  const lines = ['wrk.method = "POST"', `wrk.body = ${luaString(body)}`]
  lines.push('wrk.headers["Content-Type"] = "application/json"')
  for (const [k, v] of Object.entries(headers)) lines.push(`wrk.headers[${luaString(k)}] = ${luaString(v)}`)
  if (randomKey) {
    lines.push(
      'local counter = 1',
      'setup = function(thread) thread:set("seed", counter * 7919 + os.time()); counter = counter + 1 end',
      'init = function(args) math.randomseed(seed or os.time()) end',
      'local hex = "0123456789abcdef"',
      'request = function()',
      '  local t = {}',
      '  for i = 1, 48 do local r = math.random(1, 16); t[i] = hex:sub(r, r) end',
      '  local s = table.concat(t)',
      '  wrk.headers["Authorization"] = "Bearer kg_" .. s:sub(1, 16) .. "_" .. s:sub(17, 48)',
      '  return wrk.format()',
      'end',
    )
  }
  if (delayMs > 0) lines.push(`delay = function() return ${delayMs} end`)
  return `${lines.join('\n')}\n`
}

/** Runs wrk once; resolves with the parsed result plus the raw text. Bounded by `seconds` (+ a kill margin). */
export function runWrk({ url, connections, seconds, threads = 1, script, dir, name, cpu, timeoutS = 5 }) {
  const file = join(dir, `${name}.lua`)
  writeFileSync(file, script)
  const args = ['-t', String(Math.min(threads, connections)), '-c', String(connections), '-d', `${seconds}s`]
  args.push('--timeout', `${timeoutS}s`, '--latency', '-s', file, url)
  const cmd = cpu === undefined ? 'wrk' : 'taskset'
  const full = cpu === undefined ? args : ['-c', String(cpu), 'wrk', ...args]
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, full, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      out += d
    })
    const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + timeoutS + 10) * 1000)
    child.on('close', (code) => {
      clearTimeout(killer)
      try {
        resolve({ ...parseWrkOutput(out), raw: out, code })
      } catch (err) {
        reject(err)
      }
    })
  })
}

// What a request pays for the limits engine alone (admit + settle), without HTTP: (a) a key without limits (the
// request path only checks isLimited), (b) rpm + tpm in process, (c) rpm + tpm on Redis over loopback, (d) (c) plus
// max_parallel_requests (a lease taken and released), and (r) a bare PING, the floor for any design that asks
// Redis once per request. Latency is one request at a time (admit until its answer; the settle is sent without
// waiting, as the proxy will); throughput keeps 32 requests in flight, as 32 client connections would. CPU µs per
// request is this process's CPU (user + system) over the run: the figure that decides throughput when the
// gateway's core is the bottleneck. Redis's own CPU is not in it. Reports numbers, asserts nothing. Run with tsx;
// prints a markdown table and one JSON line.
//
//   node --import tsx bench/lib/limits-micro.ts [--redis-url redis://127.0.0.1:6379] [--seconds 3]
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { systemClock } from '../../gateway/src/clock.js'
import { createLimiter } from '../../gateway/src/limits/create-limiter.js'
import {
  buildLimitPolicy,
  buildLimitSubjects,
  isLimited,
  type LimitSubject,
} from '../../gateway/src/limits/limit-policy.js'
import type { Limiter } from '../../gateway/src/limits/limiter.js'
import { fmt, markdownTable, summarize } from './stats.mjs'

const { values } = parseArgs({
  options: {
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    seconds: { type: 'string', default: '3' },
  },
})
const seconds = Number(values.seconds)
const logger = pino({ level: 'warn' })
const prefix = `kgbench:${process.pid}:`

function limiterFor(redisUrl: string | undefined): Limiter {
  return createLimiter({
    config: {
      redisUrl,
      redisPrefix: prefix,
      redisTimeoutMs: 1_000,
      limitsOnStoreError: 'open',
    },
    registry: new Registry(),
    logger,
    clock: systemClock,
  })
}

let nextKey = 1
function subjects(fields: Parameters<typeof buildLimitPolicy>[0]): readonly LimitSubject[] {
  const id = nextKey++
  return buildLimitSubjects({
    keyId: id,
    keyPolicy: buildLimitPolicy(fields),
    userId: 1_000_000 + id,
    userPolicy: undefined,
  })
}

/** One request's limits work; resolves when the request could be forwarded. */
type Step = () => void | Promise<void>

function stepFor(limiter: Limiter | undefined, s: readonly LimitSubject[]): Step {
  return () => {
    if (limiter === undefined || !isLimited(s)) {
      return
    }
    const r = limiter.admit({ subjects: s, estimatedTokens: 300 })
    const done = (a: Awaited<typeof r>) => {
      if (!a.ok || a.degraded) {
        throw new Error(`not admitted: ${a.ok ? 'store failed' : a.reason}`)
      }
      a.ticket.settle(250)
    }
    if (r instanceof Promise) {
      return r.then(done)
    }
    done(r)
  }
}

async function sequential(step: Step, ms: number) {
  const lat: number[] = []
  const cpu0 = process.cpuUsage()
  const end = performance.now() + ms
  while (performance.now() < end) {
    const t0 = performance.now()
    const p = step()
    if (p !== undefined) {
      await p
    }
    lat.push(performance.now() - t0)
  }
  const cpu = process.cpuUsage(cpu0)
  return { latency: summarize(lat), cpuUsPerOp: (cpu.user + cpu.system) / lat.length }
}

async function concurrent(step: Step, ms: number, inFlight: number) {
  let count = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const end = t0 + ms
  const loop = async () => {
    while (performance.now() < end) {
      await step()
      count++
    }
  }
  await Promise.all(Array.from({ length: inFlight }, loop))
  const cpu = process.cpuUsage(cpu0)
  const elapsed = (performance.now() - t0) / 1000
  return { perSec: count / elapsed, cpuUsPerOp: (cpu.user + cpu.system) / count }
}

const ms = seconds * 1000
const inProcess = limiterFor(undefined)
const redis = limiterFor(values['redis-url'])
await new Promise((r) => setTimeout(r, 300)) // the Redis connection
const HIGH = 1_000_000_000
// The floor for anything that asks Redis once per request, on the same machine in the same run.
const ping = new Redis(values['redis-url'], { enableAutoPipelining: true })
await ping.ping()
const cases: [string, Step][] = [
  [
    '(r) one Redis PING, for reference',
    async () => {
      await ping.ping()
    },
  ],
  ['(a) no limits', stepFor(undefined, subjects({}))],
  ['(b) rpm+tpm in process', stepFor(inProcess, subjects({ rpm_limit: HIGH, tpm_limit: HIGH }))],
  ['(c) rpm+tpm on Redis', stepFor(redis, subjects({ rpm_limit: HIGH, tpm_limit: HIGH }))],
  [
    '(d) rpm+tpm+parallel on Redis',
    stepFor(redis, subjects({ rpm_limit: HIGH, tpm_limit: HIGH, max_parallel_requests: HIGH })),
  ],
]
const rows: string[][] = []
const results: Record<string, unknown> = {}
for (const [name, step] of cases) {
  await sequential(step, 300) // warm-up: JIT, connection
  const one = await sequential(step, ms)
  const many = await concurrent(step, ms, 32)
  results[name] = { one, many }
  rows.push([
    name,
    fmt(one.latency.p50 * 1000, 1),
    fmt(one.latency.p99 * 1000, 1),
    fmt(one.cpuUsPerOp, 1),
    fmt(many.perSec, 0),
    fmt(many.cpuUsPerOp, 1),
  ])
}
await inProcess.close()
await redis.close()
ping.disconnect()
process.stdout.write(
  `${markdownTable(
    [
      'case',
      '1 in flight: p50 (µs)',
      'p99 (µs)',
      'CPU µs/req',
      '32 in flight: req/s',
      'CPU µs/req',
    ],
    rows,
  )}\n`,
)
process.stdout.write(`${JSON.stringify(results)}\n`)
process.exit(0)

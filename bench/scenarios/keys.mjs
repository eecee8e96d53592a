// Scenario 5 (cached verifications/s; a flood of random invalid keys beside steady valid traffic) and scenario 6
// (1k / 10k / 100k keys in Postgres: cold start to /readyz, cost of the periodic refresh).
import { setTimeout as sleep } from 'node:timers/promises'
import postgres from 'postgres'
import { cpuMsOf, runToEnd, stopProc } from '../lib/procs.mjs'
import {
  CPU_GATEWAY,
  CPU_LOAD,
  createDatabase,
  createKey,
  dropDatabase,
  endpoint,
  KEYGATE_PORT,
  PG_URL,
  ROOT,
  startKeygate,
} from '../lib/stack.mjs'
import { fmt, markdownTable } from '../lib/stats.mjs'
import { runWrk, wrkScript } from '../lib/wrk.mjs'

// Postgres backends flush their statistics at most every second while busy and up to 10 s after going idle, so
// counters are read only after this much quiet.
const STATS_SETTLE_MS = 11_000

/** Transactions (each an autocommit query for postgres.js) and rows read so far in database `name`. */
export async function dbCounters(name) {
  const sql = postgres(PG_URL, { max: 1, onnotice: () => {} })
  try {
    const [row] = await sql`select xact_commit + xact_rollback as xacts, tup_returned + tup_fetched as rows
      from pg_stat_database where datname = ${name}`
    return { xacts: Number(row?.xacts ?? 0), rows: Number(row?.rows ?? 0) }
  } finally {
    await sql.end()
  }
}

export async function scenario5(ctx) {
  const kg = ctx.stack.keygate
  // 5a: micro-benchmark, pinned to the gateway's core
  const microOut = await runToEnd(
    process.execPath,
    ['--import', 'tsx', 'bench/lib/verify-micro.ts', '--database-url', kg.databaseUrl, '--key', kg.key, '--seconds', ctx.full ? '5' : '2'],
    { cwd: ROOT, cpu: CPU_GATEWAY, timeoutMs: 60_000 },
  )
  const micro = JSON.parse(microOut.trim().split('\n').pop())
  ctx.log(`s5 micro: ${fmt(micro.verificationsPerSec, 0)} verifications/s`)

  // 5b: steady valid traffic (4 connections, 10 ms apart: ~400 req/s), alone and beside a flood of random keys
  // (50 connections, 10 ms apart: up to 5,000 req/s, each with a fresh random key).
  const seconds = ctx.full ? 15 : 5
  const e = endpoint(ctx.stack, 'keygate', 'fast')
  const valid = wrkScript({ body: e.body, headers: e.headers, delayMs: 10 })
  const flood = wrkScript({ body: e.body, randomKey: true, delayMs: 10 })
  const run = (script, name, connections) =>
    runWrk({ url: e.url, connections, seconds, script, dir: ctx.workDir, name, cpu: CPU_LOAD })
  await run(valid, 's5-warm', 4)
  await sleep(STATS_SETTLE_MS)
  const c0 = await dbCounters(kg.databaseName)
  const quiet = await run(valid, 's5-quiet', 4)
  await sleep(STATS_SETTLE_MS)
  const c1 = await dbCounters(kg.databaseName)
  const [loud, flooded] = await Promise.all([run(valid, 's5-valid-flood', 4), run(flood, 's5-flood', 50)])
  await sleep(STATS_SETTLE_MS)
  const c2 = await dbCounters(kg.databaseName)
  const quietQps = (c1.xacts - c0.xacts) / seconds
  const floodQps = (c2.xacts - c1.xacts) / seconds
  ctx.log(`s5 flood: ${fmt(flooded.rps, 0)} invalid req/s, db ${fmt(floodQps, 0)} q/s (quiet ${fmt(quietQps, 0)})`)
  ctx.record.s5 = { micro, quiet, loud, flooded, quietQps, floodQps }
  const table = [
    markdownTable(
      ['measure', 'value'],
      [
        ['cached verifications/s, one core (KeyService.verify: SHA-256 + cache + policy)', fmt(micro.verificationsPerSec, 0)],
        ['database loads during the micro-benchmark', String(micro.databaseLoadsDuringRun)],
      ],
    ),
    '',
    `Flood of random well-formed invalid keys (${seconds} s), beside valid traffic on 4 connections:`,
    '',
    markdownTable(
      ['phase', 'valid req/s', 'valid p50 ms', 'valid p99 ms', 'valid errors', 'flood req/s', 'flood non-401', 'DB queries/s'],
      [
        ['quiet', fmt(quiet.rps, 0), fmt(quiet.latency.p50, 3), fmt(quiet.latency.p99, 3), String(quiet.non2xx + quiet.socketErrors), '–', '–', fmt(quietQps, 1)],
        [
          'flood',
          fmt(loud.rps, 0),
          fmt(loud.latency.p50, 3),
          fmt(loud.latency.p99, 3),
          String(loud.non2xx + loud.socketErrors),
          fmt(flooded.rps, 0),
          String(flooded.requests - flooded.non2xx + flooded.socketErrors),
          fmt(floodQps, 1),
        ],
      ],
    ),
  ].join('\n')
  return {
    title: '5. Key verification',
    table,
    notes:
      'Targets: ≥ 1,000,000 cached verifications/s; the flood adds ≤ 100 DB queries/s and leaves valid p99 within 2× quiet. ' +
      'DB queries/s = transactions in the bench database (pg_stat_database, read after the stats settle) per second of the phase.',
  }
}

async function seedKeys(databaseUrl, count) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    const [admin] = await sql`select id from users where username = 'admin'`
    await sql`insert into api_keys (user_id, name, key_hash, access_key, masked_value, scope)
      select ${admin.id}, 'seed-' || g, encode(sha256(('seed-key-' || g)::bytea), 'hex'), lpad(to_hex(g), 16, '0'),
        'kg_seed…' || g, '{inference}'
      from generate_series(1, ${count}) g`
    await sql`analyze api_keys`
  } finally {
    await sql.end()
  }
}

export async function scenario6(ctx) {
  const rows = []
  const refreshMs = 1000
  const idleSeconds = 10
  for (const count of [1000, 10_000, 100_000]) {
    const name = `keygate_bench_s6_${process.pid}`
    const databaseUrl = await createDatabase(name)
    try {
      // first start: schema, admin, models; then seed the keys straight into the table
      const first = await startKeygate(ctx, { name: 'keygate-s6', port: KEYGATE_PORT + 10, databaseUrl })
      await stopProc(first.proc)
      await seedKeys(databaseUrl, count)
      ctx.keygateExtraEnv = { KEYGATE_KEY_REFRESH_MS: String(refreshMs) }
      const kg = await startKeygate(ctx, { name: 'keygate-s6', port: KEYGATE_PORT + 10, databaseUrl })
      ctx.keygateExtraEnv = undefined
      // the first request of a fresh key on a cold cache
      const key = await createKey(ctx, kg, 's6')
      const e = endpoint({ keygate: { ...kg, key } }, 'keygate', 'fast')
      const t0 = performance.now()
      const res = await fetch(e.url, { method: 'POST', headers: { ...e.headers, 'content-type': 'application/json' }, body: e.body })
      await res.arrayBuffer()
      const firstMs = performance.now() - t0
      // idle with a 1 s refresh: rows read and CPU spent per refresh
      await sleep(STATS_SETTLE_MS)
      const c0 = await dbCounters(name)
      const cpu0 = cpuMsOf(kg.proc.child.pid)
      await sleep(idleSeconds * 1000)
      const cpu1 = cpuMsOf(kg.proc.child.pid)
      await sleep(STATS_SETTLE_MS)
      const c1 = await dbCounters(name)
      await stopProc(kg.proc)
      const refreshes = idleSeconds / (refreshMs / 1000)
      rows.push([
        String(count),
        fmt(kg.readyMs, 0),
        `${res.status} in ${fmt(firstMs, 2)}`,
        fmt((c1.xacts - c0.xacts) / refreshes, 1),
        fmt((c1.rows - c0.rows) / refreshes, 1),
        fmt((cpu1 - cpu0) / refreshes, 2),
      ])
      ctx.log(`s6 ${count}: ready ${fmt(kg.readyMs, 0)} ms`)
    } finally {
      await dropDatabase(name)
    }
  }
  return {
    title: '6. Scale of the key set (Postgres)',
    table: markdownTable(
      ['keys', 'start → /readyz 200 ms', 'first request (cold key) ms', 'queries per refresh', 'rows read per refresh', 'gateway CPU ms per refresh (idle)'],
      rows,
    ),
    notes:
      `Targets: 100k keys ready in ≤ 3 s; refresh cost flat as keys grow. KEYGATE_KEY_REFRESH_MS=${refreshMs} during the ` +
      `${idleSeconds} s idle window; per-refresh figures divide the window's totals (pg_stat_database, /proc/<pid>/stat) by ${idleSeconds}.`,
  }
}

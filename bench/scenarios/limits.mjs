// Scenario 8: what limits cost on the request path. Non-streaming chat through Keygate with (a) a key without
// limits, (b) a key with rpm + tpm counted in process, (c) the same key on a second Keygate counting in Redis on
// loopback; the bare proxy in the same run as the floor. The limits are set far above what the run sends, so
// every request is admitted and counted: the cost measured is the check, not refusals.
import { cpuMsOf, stopProc } from '../lib/procs.mjs'
import { fmt, markdownTable } from '../lib/stats.mjs'
import { CPU_LOAD, endpoint, KEYGATE_B_PORT, startKeygate } from '../lib/stack.mjs'
import { runWrk, wrkScript } from '../lib/wrk.mjs'

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
const HIGH = { rpm_limit: 2_000_000_000, tpm_limit: 2_000_000_000 }

async function createLimitedKey(kg, name) {
  const res = await fetch(`${kg.url}/v2/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${kg.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, scope: ['inference'], ...HIGH }),
  })
  const body = await res.json()
  if (res.status !== 201 || typeof body.value !== 'string') {
    throw new Error(`POST /v2/api-keys (limited): ${res.status} ${JSON.stringify(body)}`)
  }
  return body.value
}

async function measure(ctx, { name, url, headers, body, pid }, connections, seconds) {
  const script = wrkScript({ body, headers })
  await runWrk({ url, connections, seconds: 1, script, dir: ctx.workDir, name, cpu: CPU_LOAD })
  const cpu0 = cpuMsOf(pid)
  const r = await runWrk({ url, connections, seconds, script, dir: ctx.workDir, name, cpu: CPU_LOAD })
  return { ...r, cpuUsPerReq: ((cpuMsOf(pid) - cpu0) * 1000) / Math.max(1, r.requests) }
}

export async function scenario8(ctx) {
  const seconds = ctx.full ? 15 : 5
  const kg = ctx.stack.keygate
  const fast = endpoint(ctx.stack, 'keygate', 'fast')
  const limitedKey = await createLimitedKey(kg, 'bench-limited')
  // Replica B: the same database, counting in Redis under a prefix of its own.
  ctx.keygateExtraEnv = { KEYGATE_REDIS_URL: REDIS_URL, KEYGATE_REDIS_PREFIX: `kgbench${process.pid}:` }
  const b = await startKeygate(ctx, { name: 'keygate-redis', port: KEYGATE_B_PORT, databaseUrl: kg.databaseUrl })
  ctx.keygateExtraEnv = undefined
  try {
    const path = new URL(fast.url).pathname
    const cases = [
      { label: '(a) no limits', name: 'lim-a', url: fast.url, key: kg.key, pid: kg.proc.child.pid },
      { label: '(b) rpm+tpm in process', name: 'lim-b', url: fast.url, key: limitedKey, pid: kg.proc.child.pid },
      { label: '(c) rpm+tpm in Redis', name: 'lim-c', url: `${b.url}${path}`, key: limitedKey, pid: b.proc.child.pid },
    ]
    if (ctx.targets.includes('bare')) {
      const bare = endpoint(ctx.stack, 'bare', 'fast')
      cases.unshift({ label: 'bare proxy', name: 'lim-bare', url: bare.url, key: null, pid: ctx.stack.pids.bare })
    }
    const res = {}
    for (const c of cases) {
      const target = {
        name: c.name,
        url: c.url,
        headers: c.key === null ? {} : { authorization: `Bearer ${c.key}` },
        body: fast.body,
        pid: c.pid,
      }
      // a request that answers anything but 200 (a refusal, a Redis error) makes the row worthless: say so
      const probe = await fetch(target.url, {
        method: 'POST',
        headers: { ...target.headers, 'content-type': 'application/json' },
        body: target.body,
      })
      await probe.arrayBuffer()
      if (probe.status !== 200) throw new Error(`${c.label}: probe answered ${probe.status}`)
      if (c.key === limitedKey && probe.headers.get('x-ratelimit-limit-requests') === null) {
        throw new Error(`${c.label}: no x-ratelimit headers, so the limits were not applied`)
      }
      res[c.label] = {
        one: await measure(ctx, target, 1, seconds),
        many: await measure(ctx, { ...target, name: `${c.name}-c32` }, 32, seconds),
      }
      ctx.log(`s8 ${c.label}: p50 ${fmt(res[c.label].one.latency.p50, 3)} ms, ${fmt(res[c.label].many.rps, 0)} req/s at 32`)
    }
    const a = res['(a) no limits']
    const rows = Object.entries(res).map(([label, r]) => [
      label,
      fmt(r.one.latency.p50, 3),
      fmt(r.one.latency.p99, 3),
      label.startsWith('(') ? fmt(r.one.latency.p50 - a.one.latency.p50, 3) : '–',
      fmt(r.many.rps, 0),
      label.startsWith('(') ? fmt(r.many.rps / a.many.rps, 2) : '–',
      fmt(r.many.cpuUsPerReq, 0),
      String(r.one.non2xx + r.one.socketErrors + r.many.non2xx + r.many.socketErrors),
    ])
    ctx.record.s8 = res
    return {
      title: `8. Cost of limits: non-streaming chat, 1 and 32 connections (wrk, ${seconds} s each)`,
      table: markdownTable(
        ['case', '1 conn p50 ms', 'p99 ms', 'p50 vs (a) ms', '32 conns req/s', '× (a)', 'CPU µs/req', 'errors'],
        rows,
      ),
      notes:
        'Targets: (a) unchanged against earlier runs; (b) ≤ +0.02 ms p50; (c) ≤ +0.2 ms p50 and ≥ 0.8× (a) req/s. ' +
        'rpm and tpm are set to 2,000,000,000 so no request is refused. (c) runs on a second Keygate on the same ' +
        'database with KEYGATE_REDIS_URL; its Redis is the one at BENCH_REDIS_URL (default 127.0.0.1:6379).',
    }
  } finally {
    await stopProc(b.proc)
  }
}

// Scenarios 1 and 2: non-streaming chat with wrk at 1, 32 and 64 connections against every target.
import { cpuMsOf } from '../lib/procs.mjs'
import { fmt, markdownTable } from '../lib/stats.mjs'
import { CPU_LOAD, endpoint } from '../lib/stack.mjs'
import { runWrk, wrkScript } from '../lib/wrk.mjs'

async function measure(ctx, target, connections, seconds) {
  const e = endpoint(ctx.stack, target, 'fast')
  const script = wrkScript({ body: e.body, headers: e.headers })
  const name = `wrk-${target}-c${connections}`
  // a short warm-up (JIT, connection pools) that is not measured
  await runWrk({ url: e.url, connections, seconds: 1, script, dir: ctx.workDir, name, cpu: CPU_LOAD })
  const pid = ctx.stack.pids[target]
  const cpu0 = cpuMsOf(pid)
  const r = await runWrk({ url: e.url, connections, seconds, script, dir: ctx.workDir, name, cpu: CPU_LOAD })
  // CPU the serving process spent per request: robust to other load on the machine, unlike latency
  return { ...r, cpuUsPerReq: ((cpuMsOf(pid) - cpu0) * 1000) / Math.max(1, r.requests) }
}

export async function scenario1(ctx) {
  const seconds = ctx.full ? 15 : 5
  const rows = []
  const res = {}
  for (const t of ctx.targets) {
    res[t] = await measure(ctx, t, 1, seconds)
    ctx.log(`s1 ${t}: p50 ${fmt(res[t].latency.p50, 3)} ms p99 ${fmt(res[t].latency.p99, 3)} ms`)
  }
  const d = res.direct
  for (const t of ctx.targets) {
    const r = res[t]
    rows.push([
      t,
      fmt(r.rps, 0),
      fmt(r.latency.p50, 3),
      fmt(r.latency.p99, 3),
      t === 'direct' ? '–' : fmt(r.latency.p50 - d.latency.p50, 3),
      t === 'direct' ? '–' : fmt(r.latency.p99 - d.latency.p99, 3),
      fmt(r.cpuUsPerReq, 0),
      String(r.non2xx + r.socketErrors),
    ])
  }
  ctx.record.s1 = res
  return {
    title: `1. Non-streaming chat, 1 connection (wrk, ${seconds} s each)`,
    table: markdownTable(['target', 'req/s', 'p50 ms', 'p99 ms', 'added p50 ms', 'added p99 ms', 'CPU µs/req', 'errors'], rows),
    notes:
      'Target: Keygate adds ≤ 0.25 ms p50 and ≤ 1 ms p99 over direct. CPU µs/req = user+system CPU of the serving ' +
      'process (engine for direct, else the gateway) during the window / requests served.',
  }
}

export async function scenario2(ctx) {
  const seconds = ctx.full ? 15 : 5
  const rows = []
  const res = {}
  for (const c of [32, 64]) {
    for (const t of ctx.targets) {
      res[`${t}-${c}`] = await measure(ctx, t, c, seconds)
      ctx.log(`s2 ${t} c${c}: ${fmt(res[`${t}-${c}`].rps, 0)} req/s`)
    }
    for (const t of ctx.targets) {
      const r = res[`${t}-${c}`]
      const vs = (other) => (res[`${other}-${c}`] && t !== other ? fmt(r.rps / res[`${other}-${c}`].rps, 2) : '–')
      rows.push([
        String(c),
        t,
        fmt(r.rps, 0),
        fmt(r.latency.p50, 3),
        fmt(r.latency.p99, 3),
        vs('bare'),
        vs('peer'),
        fmt(r.cpuUsPerReq, 0),
        String(r.non2xx + r.socketErrors),
      ])
    }
  }
  ctx.record.s2 = res
  return {
    title: `2. Non-streaming chat, 32 and 64 connections (wrk, ${seconds} s each)`,
    table: markdownTable(['conns', 'target', 'req/s', 'p50 ms', 'p99 ms', '× bare', '× peer', 'CPU µs/req', 'errors'], rows),
    notes: "Target at 32 connections: Keygate ≥ 4× the peer's req/s and ≥ 0.8× the bare proxy's.",
  }
}

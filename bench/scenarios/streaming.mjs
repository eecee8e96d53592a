// Scenario 3 (streams of 64 chunks: TTFB, total time, streams/s, per-chunk delay inside the gateway) and
// scenario 4 (2,000 concurrent slow streams: gateway RSS and event-loop responsiveness).
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { cpuMsOf, memoryOf, runToEnd } from '../lib/procs.mjs'
import { CPU_LOAD, endpoint, ROOT, STREAM_END } from '../lib/stack.mjs'
import { fmt, markdownTable, summarize } from '../lib/stats.mjs'

export async function streamLoad(ctx, target, profile, { concurrency, requests, seconds, stamp = false, api = 'chat' }) {
  const e = endpoint(ctx.stack, target, profile, { stream: true, api })
  const args = ['bench/lib/stream-client.mjs', '--url', e.url, '--body', e.body, '--end', STREAM_END[api]]
  for (const [k, v] of Object.entries(e.headers)) args.push('--header', `${k}: ${v}`)
  args.push('--concurrency', String(concurrency), '--requests', String(requests), '--seconds', String(seconds))
  if (stamp) args.push('--stamp')
  const out = await runToEnd(process.execPath, args, { cwd: ROOT, cpu: CPU_LOAD, timeoutMs: (seconds + 90) * 1000 })
  return JSON.parse(out.trim().split('\n').pop())
}

/** Runs `fn` and adds the CPU ms process `pid` spent per completed stream. */
async function withCpu(pid, fn) {
  const cpu0 = cpuMsOf(pid)
  const r = await fn()
  return { ...r, cpuMsPerStream: (cpuMsOf(pid) - cpu0) / Math.max(1, r.completed) }
}

export async function scenario3(ctx) {
  const seq = ctx.full ? { requests: 1000, seconds: 30 } : { requests: 200, seconds: 10 }
  const conc = ctx.full ? { requests: 20_000, seconds: 20 } : { requests: 5000, seconds: 6 }
  const gap = ctx.full ? { requests: 100, seconds: 60 } : { requests: 20, seconds: 20 }
  const res = {}
  for (const t of ctx.targets) {
    await streamLoad(ctx, t, 'fast', { concurrency: 4, requests: 40, seconds: 5 }) // warm-up
    res[t] = {
      seq: await streamLoad(ctx, t, 'fast', { concurrency: 1, ...seq }),
      conc: await withCpu(ctx.stack.pids[t], () => streamLoad(ctx, t, 'fast', { concurrency: 50, ...conc })),
      gap: await streamLoad(ctx, t, 'gap', { concurrency: 10, ...gap, stamp: true }),
    }
    if (t !== 'peer') {
      // Anthropic's /v1/messages, the same profiles and counts, right after chat on the same target
      await streamLoad(ctx, t, 'fast', { concurrency: 4, requests: 40, seconds: 5, api: 'messages' })
      res[t].msgSeq = await streamLoad(ctx, t, 'fast', { concurrency: 1, ...seq, api: 'messages' })
      res[t].msgGap = await streamLoad(ctx, t, 'gap', { concurrency: 10, ...gap, stamp: true, api: 'messages' })
    }
    ctx.log(
      `s3 ${t}: ttfb p50 ${fmt(res[t].seq.ttfb.p50, 3)} ms, 50-conc ${fmt(res[t].conc.streamsPerSec, 0)} streams/s, chunk delay p99 ${fmt(res[t].gap.chunkDelay.p99, 3)} ms` +
        (res[t].msgSeq ? `; messages ttfb p50 ${fmt(res[t].msgSeq.ttfb.p50, 3)} ms, chunk delay p99 ${fmt(res[t].msgGap.chunkDelay.p99, 3)} ms` : ''),
    )
  }
  const d = res.direct
  const rowsSeq = []
  const rowsConc = []
  const rowsGap = []
  const errs = (x) => String(x.errors) + (x.firstError ? ` (${x.firstError})` : '')
  const seqRow = (t, label, r, base) => {
    const added = (v, b) => (t === 'direct' ? '–' : fmt(v - b, 3))
    return [
      label,
      String(r.completed),
      fmt(r.ttfb.p50, 3),
      fmt(r.ttfb.p99, 3),
      added(r.ttfb.p50, base.ttfb.p50),
      fmt(r.total.p50, 3),
      fmt(r.total.p99, 3),
      added(r.total.p50, base.total.p50),
      errs(r),
    ]
  }
  const gapRow = (t, label, r, base) => {
    const g = r.chunkDelay
    const b = base.chunkDelay.p50
    const held = (v) => (t === 'direct' ? '–' : fmt(v - b, 3))
    return [label, String(g.n), fmt(g.p50, 3), fmt(g.p99, 3), fmt(g.max, 3), held(g.p50), held(g.p99), held(g.max), errs(r)]
  }
  for (const t of ctx.targets) {
    const r = res[t]
    rowsSeq.push(seqRow(t, t, r.seq, d.seq))
    if (r.msgSeq && d.msgSeq) rowsSeq.push(seqRow(t, `${t} /v1/messages`, r.msgSeq, d.msgSeq))
    rowsConc.push([
      t,
      String(r.conc.completed),
      fmt(r.conc.streamsPerSec, 0),
      res.peer && t !== 'peer' ? fmt(r.conc.streamsPerSec / res.peer.conc.streamsPerSec, 2) : '–',
      fmt(r.conc.ttfb.p50, 2),
      fmt(r.conc.ttfb.p99, 2),
      fmt(r.conc.total.p50, 2),
      fmt(r.conc.total.p99, 2),
      fmt(r.conc.cpuMsPerStream, 3),
      errs(r.conc),
    ])
    rowsGap.push(gapRow(t, t, r.gap, d.gap))
    if (r.msgGap && d.msgGap) rowsGap.push(gapRow(t, `${t} /v1/messages`, r.msgGap, d.msgGap))
  }
  ctx.record.s3 = res
  return {
    title: '3. Streaming, 64 chunks per stream',
    table: [
      `Sequential (1 at a time, ${seq.requests} streams, engine frames on consecutive event-loop turns); times in ms. Rows "… /v1/messages" are Anthropic's Messages stream (same profile, measured right after chat on the same target; "added" is over direct's /v1/messages):`,
      '',
      markdownTable(['target', 'streams', 'TTFB p50', 'TTFB p99', 'added TTFB p50', 'total p50', 'total p99', 'added total p50', 'errors'], rowsSeq),
      '',
      `50 concurrent (up to ${conc.requests} streams or ${conc.seconds} s):`,
      '',
      markdownTable(['target', 'streams', 'streams/s', '× peer', 'TTFB p50', 'TTFB p99', 'total p50', 'total p99', 'CPU ms/stream', 'errors'], rowsConc),
      '',
      `20 ms between engine chunks, 10 concurrent, ${gap.requests} streams; per chunk: client receive time − engine send time (ms, one machine clock); "held" = minus direct's p50 (of the same API):`,
      '',
      markdownTable(['target', 'chunks', 'p50', 'p99', 'max', 'held p50', 'held p99', 'held max', 'errors'], rowsGap),
    ].join('\n'),
    notes: "Targets: ≤ 0.5 ms added TTFB p50; no chunk held > 1 ms; 50-concurrent streams/s ≥ 3× the peer's.",
  }
}

/** Scrapes one gauge value from a Prometheus text page, or NaN. */
function gauge(text, name) {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.eE+-]+)$`, 'm').exec(text)
  return m ? Number(m[1]) : Number.NaN
}

export async function scenario4(ctx) {
  const N = 2000
  const rows = []
  const gateways = ctx.targets.filter((t) => t !== 'direct')
  for (const t of gateways) {
    const pid = ctx.stack.pids[t]
    const before = memoryOf(pid)
    let peakRss = before.rssMb
    const probes = []
    let stop = false
    const healthUrl = t === 'keygate' ? `${ctx.stack.keygate.url}/healthz` : null
    const sampler = (async () => {
      while (!stop) {
        try {
          peakRss = Math.max(peakRss, memoryOf(pid).rssMb)
        } catch {}
        if (healthUrl) {
          const t0 = performance.now()
          try {
            const r = await fetch(healthUrl, { signal: AbortSignal.timeout(5000) })
            await r.arrayBuffer()
            probes.push(performance.now() - t0)
          } catch {
            probes.push(5000)
          }
        }
        await sleep(100)
      }
    })()
    // 64 chunks 100 ms apart: each stream lasts ~6.5 s, so all 2,000 are open at once
    const r = await streamLoad(ctx, t, 'slow', { concurrency: N, requests: N, seconds: 60 })
    stop = true
    await sampler
    let lagP99 = Number.NaN
    if (t === 'keygate') {
      try {
        lagP99 = gauge(await (await fetch(`${ctx.stack.keygate.url}/metrics`)).text(), 'nodejs_eventloop_lag_p99_seconds') * 1000
      } catch {}
    }
    const pr = summarize(probes)
    rows.push([
      t,
      String(r.completed),
      String(r.errors) + (r.firstError ? ` (${r.firstError})` : ''),
      fmt(before.rssMb, 0),
      fmt(peakRss, 0),
      fmt(r.total.p50, 0),
      fmt(r.total.max, 0),
      healthUrl ? fmt(pr.p99, 2) : '–',
      fmt(lagP99, 2),
    ])
    ctx.log(`s4 ${t}: ${r.completed} ok, ${r.errors} errors, peak RSS ${fmt(peakRss, 0)} MB`)
  }
  return {
    title: `4. ${N} concurrent slow streams (64 chunks, 100 ms apart)`,
    table: markdownTable(
      ['gateway', 'completed', 'errors', 'RSS before MB', 'peak RSS MB', 'stream p50 ms', 'stream max ms', '/healthz p99 ms', 'event-loop lag p99 ms (/metrics)'],
      rows,
    ),
    notes: 'Target: Keygate under 300 MB RSS with no errors. /healthz latency is probed every 100 ms during the load.',
  }
}

// A small keep-alive Node client for streamed chat completions. Per stream it measures the time to the first body
// byte (TTFB) and to the end; with `--stamp` it also reads the engine's send time carried in each content frame
// (`@<epoch ms>`) and records receive − send for every chunk. Engine and client share one machine clock
// (performance.timeOrigin + now), so the same number measured direct to the engine is the transport floor and the
// excess over it is what the gateway holds the chunk.
//
// A stream counts as complete when its last marker arrived: `[DONE]` for chat, `message_stop` for Anthropic's
// Messages (`--end message_stop`).
//
//   node bench/lib/stream-client.mjs --url URL --body JSON [--header 'k: v']... --concurrency 50 --requests 500
//        [--seconds 20] [--stamp] [--end MARKER]        prints one JSON line of results
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { extractStamps } from './sse-stamps.mjs'
import { summarize } from './stats.mjs'

function epochMs() {
  return performance.timeOrigin + performance.now()
}

function oneStream({ url, agent, headers, body, stamp, timeoutMs, end }) {
  return new Promise((resolve) => {
    const t0 = performance.now()
    let ttfb = -1
    let tail = ''
    let ok = false
    let sawDone = false
    const delays = []
    const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
      ok = res.statusCode === 200
      res.setEncoding('latin1')
      res.on('data', (chunk) => {
        const now = performance.now()
        if (ttfb < 0) ttfb = now - t0
        if (chunk.includes(end)) sawDone = true
        if (stamp) {
          const recv = epochMs()
          const { stamps, rest } = extractStamps(tail + chunk)
          tail = rest
          for (const s of stamps) delays.push(recv - s)
        }
      })
      res.on('end', () => resolve({ ok: ok && sawDone, status: res.statusCode, ttfb, total: performance.now() - t0, delays }))
      res.on('error', () => resolve({ ok: false, status: res.statusCode, ttfb, total: -1, delays }))
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')))
    req.on('error', (err) => resolve({ ok: false, status: 0, error: err.message, ttfb, total: -1, delays }))
    req.end(body)
  })
}

export async function runStreams({ url, headers, body, concurrency, requests, seconds, stamp, timeoutMs = 60_000, end = '[DONE]' }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency })
  const allHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers }
  const deadline = performance.now() + seconds * 1000
  let started = 0
  const ttfbs = []
  const totals = []
  const delays = []
  let errors = 0
  let firstError = null
  const t0 = performance.now()
  async function worker() {
    while (started < requests && performance.now() < deadline) {
      started++
      const r = await oneStream({ url, agent, headers: allHeaders, body, stamp, timeoutMs, end })
      if (!r.ok) {
        errors++
        firstError ??= r.error ?? `status ${r.status}`
        continue
      }
      ttfbs.push(r.ttfb)
      totals.push(r.total)
      for (const d of r.delays) delays.push(d)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsed = (performance.now() - t0) / 1000
  agent.destroy()
  return {
    completed: totals.length,
    errors,
    firstError,
    seconds: elapsed,
    streamsPerSec: totals.length / elapsed,
    ttfb: summarize(ttfbs),
    total: summarize(totals),
    chunkDelay: stamp ? summarize(delays) : null,
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      body: { type: 'string' },
      header: { type: 'string', multiple: true },
      concurrency: { type: 'string', default: '1' },
      requests: { type: 'string', default: '100' },
      seconds: { type: 'string', default: '30' },
      timeout: { type: 'string', default: '60000' },
      stamp: { type: 'boolean', default: false },
      end: { type: 'string', default: '[DONE]' },
    },
  })
  const headers = {}
  for (const h of values.header ?? []) {
    const i = h.indexOf(':')
    headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim()
  }
  const result = await runStreams({
    url: values.url,
    headers,
    body: values.body,
    concurrency: Number(values.concurrency),
    requests: Number(values.requests),
    seconds: Number(values.seconds),
    timeoutMs: Number(values.timeout),
    stamp: values.stamp,
    end: values.end,
  })
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

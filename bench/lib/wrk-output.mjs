// Parsing the text that `wrk --latency` prints (pure; unit-tested in wrk-output.test.ts).

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** "52.41us" | "1.23ms" | "2.00s" → milliseconds. */
export function parseDuration(text) {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim())
  if (!m) throw new Error(`not a wrk duration: ${text}`)
  return Number(m[1]) * UNIT_MS[m[2]]
}

/** Parses the text of `wrk --latency`: requests/s, latency percentiles (ms), request and error counts. */
export function parseWrkOutput(text) {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text)
  const total = /(\d+) requests in ([\d.]+\w+),/.exec(text)
  if (!rps || !total) throw new Error(`unexpected wrk output:\n${text}`)
  const latency = {}
  const dist = text.split('Latency Distribution')[1] ?? ''
  for (const m of dist.matchAll(/^\s+([\d.]+)%\s+([\d.]+(?:us|ms|s|m|h))\s*$/gm)) {
    latency[`p${m[1].replace(/\.0+$/, '')}`] = parseDuration(m[2])
  }
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text)
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  const socketErrors = sock ? sock.slice(1, 5).reduce((a, b) => a + Number(b), 0) : 0
  return {
    rps: Number(rps[1]),
    requests: Number(total[1]),
    seconds: parseDuration(total[2]) / 1000,
    latency,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors,
  }
}

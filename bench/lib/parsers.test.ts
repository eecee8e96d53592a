import { describe, expect, it } from 'vitest'
import { extractStamps } from './sse-stamps.mjs'
import { fmt, markdownTable, percentile, summarize } from './stats.mjs'
import { parseDuration, parseWrkOutput } from './wrk-output.mjs'

const WRK = `Running 2s test @ http://127.0.0.1:9101/v1/chat/completions
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.91ms    6.11ms  66.76ms   94.71%
    Req/Sec     5.81k     5.14k   14.27k    70.00%
  Latency Distribution
     50%  101.00us
     75%    1.16ms
     90%    4.79ms
     99%    1.02s
  11540 requests in 2.01s, 5.67MB read
  Socket errors: connect 1, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   5735.01
Transfer/sec:      2.82MB
`

describe('wrk output', () => {
  it('converts every unit wrk prints to milliseconds', () => {
    expect(parseDuration('101.00us')).toBeCloseTo(0.101)
    expect(parseDuration('4.79ms')).toBeCloseTo(4.79)
    expect(parseDuration('1.02s')).toBeCloseTo(1020)
    expect(parseDuration('2.00m')).toBeCloseTo(120_000)
    expect(() => parseDuration('12 parsecs')).toThrow(/not a wrk duration/)
  })

  it('reads rate, percentiles, counts and errors', () => {
    const r = parseWrkOutput(WRK)
    expect(r.rps).toBe(5735.01)
    expect(r.requests).toBe(11540)
    expect(r.seconds).toBeCloseTo(2.01)
    expect(r.latency.p50).toBeCloseTo(0.101)
    expect(r.latency.p75).toBeCloseTo(1.16)
    expect(r.latency.p99).toBeCloseTo(1020)
    expect(r.non2xx).toBe(7)
    expect(r.socketErrors).toBe(6)
  })

  it('refuses text that is not a wrk report', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:9101 Connection refused')).toThrow(
      /unexpected wrk output/,
    )
  })
})

describe('SSE send stamps', () => {
  const frame = (c: string) => `data: {"choices":[{"index":0,"delta":{"content":"${c}"}}]}\n\n`

  it('reads stamps from complete frames and keeps a split frame for the next read', () => {
    const text = frame('@1000.250') + frame(' tok') + frame('@1001.500').slice(0, 30)
    const first = extractStamps(text)
    expect(first.stamps).toEqual([1000.25])
    const second = extractStamps(first.rest + frame('@1001.500').slice(30))
    expect(second.stamps).toEqual([1001.5])
    expect(second.rest).toBe('')
  })

  it('ignores content that only looks like a stamp', () => {
    expect(extractStamps(frame('@ noon') + frame('x@12.5')).stamps).toEqual([])
  })

  it("reads them from Anthropic's text deltas too", () => {
    const delta = (t: string) =>
      `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${t}"}}\n\n`
    expect(extractStamps(delta('@1000.250') + delta(' tok') + delta('@1002.000')).stamps).toEqual([
      1000.25, 1002,
    ])
  })
})

describe('stats', () => {
  it('uses nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(sorted, 50)).toBe(50)
    expect(percentile(sorted, 99)).toBe(99)
    expect(percentile(sorted, 100)).toBe(100)
    expect(percentile([], 50)).toBeNaN()
  })

  it('summarizes unsorted input', () => {
    const s = summarize([5, 1, 3, 2, 4])
    expect(s).toMatchObject({ n: 5, mean: 3, p50: 3, max: 5 })
  })

  it('formats cells and tables', () => {
    expect(fmt(Number.NaN)).toBe('–')
    expect(fmt(1.23456, 3)).toBe('1.235')
    expect(markdownTable(['a', 'b'], [['1', '2']])).toBe('| a | b |\n| --- | --- |\n| 1 | 2 |')
  })
})

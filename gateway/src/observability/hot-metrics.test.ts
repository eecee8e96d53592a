import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { HotCounter, HotGauge, HotHistogram } from './hot-metrics.js'

/** The same metric built with prom-client and with ours, each in its own registry. */
function pair() {
  const theirs = new Registry()
  const ours = new Registry()
  return { theirs, ours, on: (r: Registry) => ({ registers: [r] }) }
}

describe('hot metrics', () => {
  it('expose exactly what prom-client would for the same counter, gauge and histogram calls', async () => {
    const { theirs, ours, on } = pair()
    const counter = {
      name: 'x_requests_total',
      help: 'Requests',
      labelNames: ['route', 'status'] as const,
    }
    const gauge = { name: 'x_inflight', help: 'In flight "now"\\n', labelNames: ['model'] as const }
    const histogram = {
      name: 'x_duration_seconds',
      help: 'Duration',
      labelNames: ['route'] as const,
      buckets: [0.005, 0.1, 1],
    }
    const pc = new Counter({ ...counter, labelNames: [...counter.labelNames], ...on(theirs) })
    const pg = new Gauge({ ...gauge, labelNames: [...gauge.labelNames], ...on(theirs) })
    const ph = new Histogram({ ...histogram, labelNames: [...histogram.labelNames], ...on(theirs) })
    const hc = new HotCounter({ ...counter, ...on(ours) })
    const hg = new HotGauge({ ...gauge, ...on(ours) })
    const hh = new HotHistogram({ ...histogram, ...on(ours) })

    for (const [c, g, h] of [
      [pc, pg, ph],
      [hc, hg, hh],
    ] as const) {
      c.inc({ route: '/v1/chat/completions', status: '200' })
      c.inc({ route: '/v1/chat/completions', status: '200' }, 2.5)
      c.inc({ route: 'other', status: '404' })
      c.inc({ route: 'with "quote"\nand newline', status: '200' })
      g.inc({ model: 'a' })
      g.inc({ model: 'a' })
      g.dec({ model: 'a' })
      g.inc({ model: 'b' })
      g.dec({ model: 'b' })
      for (const v of [0, 0.005, 0.05, 0.1, 0.5, 1, 7]) {
        h.observe({ route: 'r' }, v)
      }
      h.observe({ route: 's' }, 0.2)
    }
    const plain = { name: 'x_dropped_total', help: 'No labels', labelNames: [] as const }
    new Counter({ ...plain, labelNames: [], ...on(theirs) }).inc(3)
    new HotCounter({ ...plain, ...on(ours) }).inc({}, 3)
    expect(await ours.metrics()).toBe(await theirs.metrics())
    ours.resetMetrics()
    theirs.resetMetrics()
    expect(await ours.metrics()).toBe(await theirs.metrics())
  })

  it('refuses a negative or non-finite counter increment and a non-finite observation', () => {
    const ours = new Registry()
    const c = new HotCounter({ name: 'c', help: 'c', labelNames: ['k'], registers: [ours] })
    const h = new HotHistogram({
      name: 'h',
      help: 'h',
      labelNames: [],
      buckets: [1],
      registers: [ours],
    })
    expect(() => c.inc({ k: 'v' }, -1)).toThrow()
    expect(() => c.inc({ k: 'v' }, Number.NaN)).toThrow()
    expect(() => h.observe({}, Number.POSITIVE_INFINITY)).toThrow()
  })
})

import { pino } from 'pino'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createLimitMetrics } from './limit-metrics.js'
import { createStoreErrorReporter } from './store-error-reporter.js'

describe('createStoreErrorReporter', () => {
  it('counts every failure but logs one line per interval, saying how many it stands for', async () => {
    const lines: Record<string, unknown>[] = []
    const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) })
    let now = 0
    const metrics = createLimitMetrics(new Registry())
    const report = createStoreErrorReporter({
      metrics,
      logger,
      clock: { now: () => now },
      onStoreError: 'open',
      logEveryMs: 10_000,
    })
    for (let i = 0; i < 50; i++) {
      report('admit', new Error('connect ECONNREFUSED 127.0.0.1:6390'))
      now += 100
    }
    report('settle', new Error('Command timed out'))
    now += 10_000
    report('renew', 'odd')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatchObject({ op: 'admit', error: 'connect ECONNREFUSED 127.0.0.1:6390' })
    expect(lines[1]).toMatchObject({ op: 'renew', error: 'odd', errorsSinceLastLine: 50 })
    expect(String(lines[0]?.msg)).toMatch(/pass without limits/)
    const counted = await metrics.storeErrors.get()
    expect(Object.fromEntries(counted.values.map((v) => [v.labels.op, v.value]))).toEqual({
      admit: 50,
      settle: 1,
      renew: 1,
    })
  })
})

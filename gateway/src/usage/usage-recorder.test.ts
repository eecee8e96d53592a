import type { Kysely } from 'kysely'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { Tables } from '../db/tables.js'
import { createMetrics } from '../observability/metrics.js'
import type { UsageRow } from './usage-buffer.js'
import { createUsageRecorder, type UsageEvent } from './usage-recorder.js'

const DAY1 = Date.parse('2026-03-01T23:59:59Z')
const DAY2 = Date.parse('2026-03-02T00:00:01Z')

/** A writer standing in for the database: it can be made to fail, and keeps what it was given. */
function fakeDatabase() {
  const state = {
    failing: false,
    failWithCode: undefined as string | undefined,
    written: [] as UsageRow[],
    calls: 0,
  }
  const write = async (_db: Kysely<Tables>, rows: readonly UsageRow[]) => {
    state.calls += 1
    if (state.failWithCode !== undefined) {
      const code = state.failWithCode
      state.failWithCode = undefined
      throw Object.assign(new Error('violates foreign key constraint'), { code })
    }
    if (state.failing) {
      throw new Error('connect ECONNREFUSED')
    }
    state.written.push(...rows.map((r) => ({ ...r })))
  }
  return { state, write }
}

function setup(options: { maxBufferedRows?: number } = {}) {
  const db = fakeDatabase()
  const clock = { ms: DAY1, now: () => clock.ms }
  const metrics = createMetrics()
  const recorder = createUsageRecorder({
    db: {} as Kysely<Tables>,
    logger: pino({ level: 'silent' }),
    metrics,
    clock,
    flushIntervalMs: 3_600_000,
    write: db.write,
    ...options,
  })
  return { db, clock, metrics, recorder }
}

const event = (over: Partial<UsageEvent> = {}): UsageEvent => ({
  keyId: 1,
  model: 'm',
  promptTokens: 10,
  completionTokens: 5,
  isError: false,
  ...over,
})

async function droppedTotal(metrics: ReturnType<typeof createMetrics>): Promise<number> {
  const m = await metrics.usageDropped.get()
  return m.values[0]?.value ?? 0
}

describe('usage recorder', () => {
  it('aggregates by key, model and UTC day and writes one row each on flush', async () => {
    const { db, clock, recorder } = setup()
    recorder.record(event())
    recorder.record(event({ promptTokens: 1, completionTokens: 2, isError: true }))
    recorder.record(event({ model: 'other' }))
    recorder.record(event({ keyId: 2 }))
    clock.ms = DAY2
    recorder.record(event())
    expect(db.state.calls).toBe(0) // record() does no I/O
    await recorder.flush()
    const byId = Object.fromEntries(
      db.state.written.map((r) => [`${r.keyId}|${r.model}|${r.day}`, r]),
    )
    expect(Object.keys(byId).sort()).toEqual([
      '1|m|2026-03-01',
      '1|m|2026-03-02',
      '1|other|2026-03-01',
      '2|m|2026-03-01',
    ])
    expect(byId['1|m|2026-03-01']).toMatchObject({
      requests: 2,
      promptTokens: 11,
      completionTokens: 7,
      errors: 1,
      lastUsedMs: DAY1,
    })
    expect(byId['1|m|2026-03-02']?.lastUsedMs).toBe(DAY2)
  })

  it('keeps usage buffered while the database fails and writes it all once it is back', async () => {
    const { db, recorder } = setup()
    recorder.record(event())
    db.state.failing = true
    await expect(recorder.flush()).rejects.toThrow('ECONNREFUSED')
    recorder.record(event({ promptTokens: 100 }))
    await expect(recorder.flush()).rejects.toThrow()
    db.state.failing = false
    await recorder.flush()
    expect(db.state.written).toHaveLength(1)
    expect(db.state.written[0]).toMatchObject({ requests: 2, promptTokens: 110 })
    await recorder.flush()
    expect(db.state.written).toHaveLength(1) // nothing written twice
  })

  it('drops and counts requests beyond the bound while the database is away, and loses nothing below it', async () => {
    const { db, metrics, recorder } = setup({ maxBufferedRows: 3 })
    db.state.failing = true
    for (let key = 1; key <= 5; key += 1) {
      recorder.record(event({ keyId: key }))
      recorder.record(event({ keyId: key }))
    }
    // Keys 1-3 fit (two requests each); keys 4 and 5 need rows beyond the bound.
    expect(await droppedTotal(metrics)).toBe(4)
    await expect(recorder.flush()).rejects.toThrow()
    recorder.record(event({ keyId: 2 })) // an existing row still counts
    db.state.failing = false
    await recorder.flush()
    expect(db.state.written.map((r) => [r.keyId, r.requests])).toEqual([
      [1, 2],
      [2, 3],
      [3, 2],
    ])
    expect(await droppedTotal(metrics)).toBe(4)
  })

  it('retries a batch once when a key was deleted between the check and the insert', async () => {
    const { db, recorder } = setup()
    recorder.record(event())
    db.state.failWithCode = '23503'
    await recorder.flush()
    expect(db.state.calls).toBe(2)
    expect(db.state.written).toHaveLength(1)
  })

  it('never throws from record(), even for nonsense token counts', async () => {
    const { db, recorder } = setup()
    expect(() =>
      recorder.record(event({ promptTokens: Number.NaN, completionTokens: -3 })),
    ).not.toThrow()
    await recorder.flush()
    expect(db.state.written[0]).toMatchObject({ promptTokens: 0, completionTokens: 0 })
  })

  it('writes what is buffered on close, and close() resolves even when the database is away', async () => {
    const ok = setup()
    ok.recorder.record(event())
    await ok.recorder.close()
    expect(ok.db.state.written).toHaveLength(1)
    const down = setup()
    down.recorder.record(event())
    down.db.state.failing = true
    await expect(down.recorder.close()).resolves.toBeUndefined()
  })

  it('a flush waits for one already running and then writes what came after it', async () => {
    const { db, recorder } = setup()
    recorder.record(event())
    const first = recorder.flush()
    recorder.record(event({ model: 'late' }))
    await recorder.flush()
    await first
    expect(db.state.written.map((r) => r.model).sort()).toEqual(['late', 'm'])
  })
})

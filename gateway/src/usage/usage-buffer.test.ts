import { describe, expect, it } from 'vitest'
import { UsageBuffer } from './usage-buffer.js'

const at = (iso: string) => Date.parse(iso)
const sample = (atMs: number) => ({
  keyId: 1,
  model: 'm',
  promptTokens: 2,
  completionTokens: 3,
  isError: false,
  atMs,
})

describe('UsageBuffer', () => {
  it('counts requests into one row per UTC day, across midnight and back', () => {
    const buffer = new UsageBuffer(10)
    buffer.add(sample(at('2026-11-27T23:59:59.999Z')))
    buffer.add(sample(at('2026-11-27T00:00:00.000Z')))
    buffer.add(sample(at('2026-11-28T00:00:00.000Z')))
    buffer.add(sample(at('2026-11-27T12:00:00.000Z'))) // a late sample for the day before
    buffer.add(sample(at('1969-12-31T23:00:00.000Z'))) // before the epoch: still its own UTC day
    const rows = buffer.take().map((r) => [r.day, r.requests, r.promptTokens])
    expect(rows).toEqual([
      ['2026-11-27', 3, 6],
      ['2026-11-28', 1, 2],
      ['1969-12-31', 1, 2],
    ])
  })

  it('counts a refusal by a limit as refused, not as a request or an error', () => {
    const buffer = new UsageBuffer(10)
    const now = at('2026-12-01T10:00:00.000Z')
    buffer.add(sample(now))
    buffer.add({ ...sample(now), promptTokens: 0, completionTokens: 0, isRefused: true })
    buffer.add({ ...sample(now), isError: true })
    const [row] = buffer.take()
    expect(row).toMatchObject({ requests: 2, errors: 1, refused: 1, promptTokens: 4 })
  })
})

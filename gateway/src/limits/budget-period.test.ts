import { describe, expect, it } from 'vitest'
import { PeriodCache, periodAt } from './budget-period.js'

const at = (iso: string) => Date.parse(iso)

describe('periodAt', () => {
  it('days run from UTC midnight to UTC midnight', () => {
    const p = periodAt('day', at('2026-11-27T23:59:59.999Z'))
    expect(p.startMs).toBe(at('2026-11-27T00:00:00Z'))
    expect(p.endMs).toBe(at('2026-11-28T00:00:00Z'))
    expect(periodAt('day', at('2026-11-28T00:00:00Z')).id).not.toBe(p.id)
  })

  it('weeks are ISO weeks: Monday 00:00 UTC to the next Monday', () => {
    // 2026-11-23 is a Monday, 2026-11-29 a Sunday.
    for (const t of ['2026-11-23T00:00:00Z', '2026-11-26T12:00:00Z', '2026-11-29T23:59:59Z']) {
      const p = periodAt('week', at(t))
      expect(new Date(p.startMs).toISOString()).toBe('2026-11-23T00:00:00.000Z')
      expect(new Date(p.endMs).toISOString()).toBe('2026-11-30T00:00:00.000Z')
    }
    expect(periodAt('week', at('2026-11-22T23:59:59Z')).endMs).toBe(at('2026-11-23T00:00:00Z'))
    // The epoch week (1970-01-01 was a Thursday) began on Monday 1969-12-29.
    expect(periodAt('week', 0).startMs).toBe(at('1969-12-29T00:00:00Z'))
  })

  it('months are calendar months, leap Februaries and year ends included', () => {
    expect(periodAt('month', at('2028-02-29T12:00:00Z')).endMs).toBe(at('2028-03-01T00:00:00Z'))
    const december = periodAt('month', at('2026-12-31T23:59:59Z'))
    expect(december.startMs).toBe(at('2026-12-01T00:00:00Z'))
    expect(december.endMs).toBe(at('2027-01-01T00:00:00Z'))
    expect(periodAt('month', at('2027-01-01T00:00:00Z')).id).not.toBe(december.id)
  })
})

describe('PeriodCache', () => {
  it('answers like periodAt across a boundary and when time goes back', () => {
    const cache = new PeriodCache()
    for (const t of ['2026-11-30T23:59:59Z', '2026-12-01T00:00:00Z', '2026-11-15T00:00:00Z']) {
      expect(cache.at('month', at(t))).toEqual(periodAt('month', at(t)))
      expect(cache.at('week', at(t))).toEqual(periodAt('week', at(t)))
    }
  })
})

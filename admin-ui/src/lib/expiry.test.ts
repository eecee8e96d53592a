import { describe, expect, it } from 'vitest'
import {
  addCalendarMonths,
  addPreset,
  extensionBase,
  isExpired,
  parseCustomDate,
  resolveExpiry,
  toExpiresInSeconds,
} from './expiry.js'

describe('calendar months', () => {
  it('adds one month keeping the day and the time of day', () => {
    expect(addCalendarMonths(new Date(2025, 2, 15, 9, 30), 1)).toEqual(new Date(2025, 3, 15, 9, 30))
  })

  it('clamps 31 January + 1 month to the last day of February', () => {
    expect(addCalendarMonths(new Date(2025, 0, 31, 12), 1)).toEqual(new Date(2025, 1, 28, 12))
    expect(addCalendarMonths(new Date(2024, 0, 31, 12), 1)).toEqual(new Date(2024, 1, 29, 12))
  })

  it('crosses the year end for 6 months', () => {
    expect(addPreset(new Date(2025, 7, 31, 8), '6m')).toEqual(new Date(2026, 1, 28, 8))
  })

  it('treats 1 year as twelve calendar months (29 February → 28 February)', () => {
    expect(addPreset(new Date(2024, 1, 29, 10), '1y')).toEqual(new Date(2025, 1, 28, 10))
  })

  it('adds exactly 7 × 24 hours for 7 days', () => {
    const from = new Date(Date.UTC(2025, 5, 1, 0, 0, 0))
    expect(addPreset(from, '7d').getTime() - from.getTime()).toBe(7 * 86_400_000)
  })
})

describe('resolveExpiry', () => {
  const now = new Date(2025, 4, 10, 14, 0, 0)

  it('returns null for Never, which the API gets as expires_in 0', () => {
    const result = resolveExpiry('never', now, '', now)
    expect(result).toEqual({ ok: true, expiresAt: null })
    expect(toExpiresInSeconds(null, now)).toBe(0)
  })

  it('turns 1 month into the seconds until the same time next month', () => {
    const result = resolveExpiry('1m', now, '', now)
    expect(result.ok).toBe(true)
    if (result.ok) {
      expect(result.expiresAt).toEqual(new Date(2025, 5, 10, 14, 0, 0))
      expect(toExpiresInSeconds(result.expiresAt, now)).toBe(31 * 86_400)
    }
  })

  it('makes a custom date last through the end of that day', () => {
    expect(resolveExpiry('custom', now, '2025-06-01', now)).toEqual({
      ok: true,
      expiresAt: new Date(2025, 5, 1, 23, 59, 59),
    })
  })

  it('refuses a missing, impossible or past custom date', () => {
    expect(resolveExpiry('custom', now, '', now)).toMatchObject({ ok: false })
    expect(resolveExpiry('custom', now, '2025-02-30', now)).toMatchObject({ ok: false })
    expect(resolveExpiry('custom', now, '2025-05-09', now)).toMatchObject({
      ok: false,
      message: 'The expiration date must be in the future.',
    })
  })

  it('accepts today as a custom date while the day is not over', () => {
    expect(resolveExpiry('custom', now, '2025-05-10', now)).toMatchObject({ ok: true })
  })
})

describe('extensions and expiry state', () => {
  const now = new Date(2025, 4, 10, 12)

  it('extends a key that is still valid from its current expiry', () => {
    const current = new Date(2025, 6, 31, 12)
    const base = extensionBase(current.toISOString(), now)
    expect(addPreset(base, '1m')).toEqual(new Date(2025, 7, 31, 12))
  })

  it('extends an expired key, or one that never expired, from now', () => {
    expect(extensionBase(new Date(2025, 0, 1).toISOString(), now)).toEqual(now)
    expect(extensionBase(null, now)).toEqual(now)
  })

  it('marks a key expired at and after its expiry, never when it has none', () => {
    expect(isExpired(new Date(2025, 4, 10, 12).toISOString(), now)).toBe(true)
    expect(isExpired(new Date(2025, 4, 10, 12, 0, 1).toISOString(), now)).toBe(false)
    expect(isExpired(null, now)).toBe(false)
  })

  it('parses only real calendar dates', () => {
    expect(parseCustomDate('2024-02-29')).toEqual(new Date(2024, 1, 29, 23, 59, 59))
    expect(parseCustomDate('2023-02-29')).toBeNull()
    expect(parseCustomDate('2023-13-01')).toBeNull()
    expect(parseCustomDate('01/02/2023')).toBeNull()
  })

  it('never sends expires_in 0 for a date that is about to pass (0 would mean never)', () => {
    expect(toExpiresInSeconds(new Date(now.getTime() + 200), now)).toBe(1)
  })
})

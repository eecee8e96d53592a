import { describe, expect, it } from 'vitest'
import { checkExpiryAgainstPolicy } from './key-lifetime-policy.js'

const NOW = Date.parse('2026-12-01T12:00:00Z')
const days = (n: number) => new Date(NOW + n * 86_400_000)

describe('lifetime policy', () => {
  it('allows anything by default', () => {
    const open = { max_key_lifetime_days: null, allow_never_expiring: true }
    expect(checkExpiryAgainstPolicy(null, open, NOW).ok).toBe(true)
    expect(checkExpiryAgainstPolicy(days(10_000), open, NOW).ok).toBe(true)
  })

  it('caps expiries at max_key_lifetime_days from now and names the limit', () => {
    const capped = { max_key_lifetime_days: 30, allow_never_expiring: true }
    expect(checkExpiryAgainstPolicy(days(30), capped, NOW).ok).toBe(true)
    const over = checkExpiryAgainstPolicy(days(31), capped, NOW)
    expect(over).toMatchObject({ ok: false })
    expect(!over.ok && over.message).toContain('30 days')
    // Never-expiring stays a separate choice.
    expect(checkExpiryAgainstPolicy(null, capped, NOW).ok).toBe(true)
  })

  it('refuses no expiry when never-expiring keys are not allowed', () => {
    const strict = { max_key_lifetime_days: 90, allow_never_expiring: false }
    const never = checkExpiryAgainstPolicy(null, strict, NOW)
    expect(!never.ok && never.message).toContain('90 days')
    expect(checkExpiryAgainstPolicy(days(1), strict, NOW).ok).toBe(true)
  })
})

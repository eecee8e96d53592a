import { describe, expect, it } from 'vitest'
import { buildLimitPolicy, buildLimitSubjects, type LimitPolicy } from './limit-policy.js'
import { buildRateLimitHeaders, NO_HEADERS } from './rate-limit-headers.js'
import { formatResetDuration } from './reset-duration.js'

const policy = (fields: Parameters<typeof buildLimitPolicy>[0]) =>
  buildLimitPolicy(fields) as LimitPolicy

describe('formatResetDuration', () => {
  it('writes durations the way OpenAI does', () => {
    expect(formatResetDuration(0)).toBe('0s')
    expect(formatResetDuration(-5)).toBe('0s')
    expect(formatResetDuration(17)).toBe('17ms')
    expect(formatResetDuration(0.2)).toBe('1ms')
    expect(formatResetDuration(1000)).toBe('1s')
    expect(formatResetDuration(8640)).toBe('8.64s')
    expect(formatResetDuration(60_000)).toBe('1m0s')
    expect(formatResetDuration(360_000)).toBe('6m0s')
    expect(formatResetDuration(3_723_500)).toBe('1h2m3.5s')
  })
})

describe('buildRateLimitHeaders', () => {
  it('sends only the headers of the limits that are set', () => {
    const subjects = buildLimitSubjects({
      keyId: 1,
      keyPolicy: policy({ rpm_limit: 10 }),
      userId: 2,
      userPolicy: undefined,
    })
    expect(buildRateLimitHeaders(subjects, [{ requests: 3, tokens: 0 }], 60_500)).toEqual({
      'x-ratelimit-limit-requests': '10',
      'x-ratelimit-remaining-requests': '7',
      'x-ratelimit-reset-requests': '1m0.5s',
    })
  })

  it('describes the subject with less left, and never a negative remainder', () => {
    const subjects = buildLimitSubjects({
      keyId: 1,
      keyPolicy: policy({ rpm_limit: 100, tpm_limit: 1000 }),
      userId: 2,
      userPolicy: policy({ rpm_limit: 20, tpm_limit: 50_000 }),
    })
    const h = buildRateLimitHeaders(
      subjects,
      [
        { requests: 5, tokens: 1500 },
        { requests: 15, tokens: 1500 },
      ],
      1000,
    )
    expect(h['x-ratelimit-limit-requests']).toBe('20')
    expect(h['x-ratelimit-remaining-requests']).toBe('5')
    expect(h['x-ratelimit-limit-tokens']).toBe('1000')
    expect(h['x-ratelimit-remaining-tokens']).toBe('0')
  })

  it('has nothing to say for limits without a minute window, and resets at 0s when unused', () => {
    const budgetOnly = buildLimitSubjects({
      keyId: 1,
      keyPolicy: policy({ token_budget: 10, max_parallel_requests: 2 }),
      userId: 2,
      userPolicy: undefined,
    })
    expect(buildRateLimitHeaders(budgetOnly, [{ requests: 0, tokens: 0 }], 1000)).toBe(NO_HEADERS)
    const tpm = buildLimitSubjects({
      keyId: 1,
      keyPolicy: policy({ tpm_limit: 10 }),
      userId: 2,
      userPolicy: undefined,
    })
    expect(buildRateLimitHeaders(tpm, [{ requests: 0, tokens: 0 }], 5000)).toMatchObject({
      'x-ratelimit-reset-tokens': '0s',
    })
  })
})

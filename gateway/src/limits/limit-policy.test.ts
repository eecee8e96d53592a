import { describe, expect, it } from 'vitest'
import { buildLimitPolicy, buildLimitSubjects, isLimited } from './limit-policy.js'
import { estimateRequestTokens } from './token-estimate.js'

describe('buildLimitPolicy', () => {
  it('is undefined when no limit is set, so unlimited keys carry nothing', () => {
    expect(buildLimitPolicy({})).toBeUndefined()
    expect(buildLimitPolicy({ rpm_limit: null, budget_period: 'day' })).toBeUndefined()
  })

  it('builds a frozen policy; a budget without a period counts per month', () => {
    const p = buildLimitPolicy({ tpm_limit: 1000, token_budget: 50_000 })
    expect(p).toEqual({
      rpm: null,
      tpm: 1000,
      maxParallel: null,
      tokenBudget: 50_000,
      budgetPeriod: 'month',
    })
    expect(Object.isFrozen(p)).toBe(true)
  })

  it('refuses values that are not positive integers', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => buildLimitPolicy({ rpm_limit: bad })).toThrow(/positive integer/)
    }
    expect(() => buildLimitPolicy({ token_budget: 5, budget_period: 'year' as 'day' })).toThrow(
      /budget_period/,
    )
  })
})

describe('buildLimitSubjects', () => {
  it('lists the limited subjects, key first, under the owner hash tag', () => {
    const keyPolicy = buildLimitPolicy({ rpm_limit: 5 })
    const userPolicy = buildLimitPolicy({ max_parallel_requests: 2 })
    const subjects = buildLimitSubjects({ keyId: 7, keyPolicy, userId: 42, userPolicy })
    expect(subjects.map((s) => [s.kind, s.id, s.storeKey])).toEqual([
      ['key', '7', '{u42}:k7'],
      ['user', '42', '{u42}:u'],
    ])
    expect(isLimited(subjects)).toBe(true)
  })

  it('gives the same empty list for every unlimited key', () => {
    const a = buildLimitSubjects({
      keyId: 1,
      keyPolicy: undefined,
      userId: 2,
      userPolicy: undefined,
    })
    const b = buildLimitSubjects({
      keyId: 3,
      keyPolicy: undefined,
      userId: 4,
      userPolicy: undefined,
    })
    expect(a).toBe(b)
    expect(isLimited(a)).toBe(false)
  })
})

describe('estimateRequestTokens', () => {
  it('is a quarter of the body plus the allowed completion or the default', () => {
    expect(estimateRequestTokens(4000, 256, 1024)).toBe(1256)
    expect(estimateRequestTokens(4001, undefined, 1024)).toBe(2025)
    expect(estimateRequestTokens(0, 0, 1024)).toBe(0)
    expect(estimateRequestTokens(10, -3, 1024)).toBe(1027)
  })
})

import { describe, expect, it } from 'vitest'
import { IdGaps } from './id-gaps.js'

describe('IdGaps', () => {
  it('remembers the ids a read skipped and forgets each one once read', () => {
    const gaps = new IdGaps({ max: 100, retentionMs: 1_000 })
    gaps.note(4, [6, 9], 0)
    expect(gaps.ids(0).sort((a, b) => a - b)).toEqual([5, 7, 8])
    gaps.note(9, [5, 8], 10)
    expect(gaps.ids(10).sort((a, b) => a - b)).toEqual([7])
    expect(gaps.has(7)).toBe(true)
    expect(gaps.has(5)).toBe(false)
  })

  it('records nothing for consecutive ids', () => {
    const gaps = new IdGaps({ max: 100, retentionMs: 1_000 })
    gaps.note(0, [1, 2, 3], 0)
    gaps.note(3, [], 0)
    expect(gaps.size()).toBe(0)
  })

  it('gives up on an id after the retention (a rolled-back transaction never commits it)', () => {
    const gaps = new IdGaps({ max: 100, retentionMs: 1_000 })
    gaps.note(1, [3], 0)
    expect(gaps.ids(1_000)).toEqual([2])
    expect(gaps.ids(1_001)).toEqual([])
  })

  it('keeps at most max ids, the highest', () => {
    const gaps = new IdGaps({ max: 3, retentionMs: 1_000 })
    gaps.note(0, [2, 4, 6, 8, 10], 0)
    expect(gaps.ids(0).sort((a, b) => a - b)).toEqual([5, 7, 9])
    gaps.note(10, [1_000], 0)
    expect(gaps.ids(0).sort((a, b) => a - b)).toEqual([997, 998, 999])
  })
})

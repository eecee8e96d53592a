import { describe, expect, it } from 'vitest'
import { bucketExpiresAtMs, COUNTED_BUCKETS, SlidingWindow } from './sliding-window.js'

const B = 1_000_000 // an arbitrary bucket index far from 0

describe('SlidingWindow', () => {
  it('counts the current bucket and the 60 before it, and forgets older ones', () => {
    const w = new SlidingWindow()
    w.add(B, 5)
    w.add(B + 30, 2)
    expect(w.used(B + 30)).toBe(7)
    expect(w.used(B + 60)).toBe(7)
    expect(w.used(B + 61)).toBe(2)
    expect(w.used(B + 91)).toBe(0)
  })

  it('is empty again after a long silence, whatever it held', () => {
    const w = new SlidingWindow()
    for (let b = B; b < B + 61; b++) {
      w.add(b, 1)
    }
    expect(w.used(B + 60)).toBe(61)
    expect(w.used(B + 10_000)).toBe(0)
    expect(w.isEmpty(B + 10_000)).toBe(true)
  })

  it('adjusts the reserved bucket while it is counted, so a refund leaves with it', () => {
    const w = new SlidingWindow()
    w.add(B, 1000)
    w.adjust(B, -900, B + 10)
    expect(w.used(B + 10)).toBe(100)
    expect(w.used(B + 61)).toBe(0)
  })

  it('counts an overrun of an expired reservation in the current bucket, and drops an expired refund', () => {
    const w = new SlidingWindow()
    w.add(B, 100)
    w.adjust(B, 400, B + 90) // a long stream: its reservation left the window, its extra tokens did not
    expect(w.used(B + 90)).toBe(400)
    w.adjust(B + 90 - 61, -50, B + 90)
    expect(w.used(B + 90)).toBe(400)
  })

  it('says when enough of the count leaves the window', () => {
    const w = new SlidingWindow()
    const bucketMs = 1000
    w.add(B, 3)
    w.add(B + 20, 4)
    const now = (B + 40) * bucketMs + 250
    expect(w.msUntilFreed(1, B + 40, bucketMs, now)).toBe(bucketExpiresAtMs(B, bucketMs) - now)
    expect(w.msUntilFreed(3, B + 40, bucketMs, now)).toBe((B + COUNTED_BUCKETS) * bucketMs - now)
    expect(w.msUntilFreed(5, B + 40, bucketMs, now)).toBe(
      (B + 20 + COUNTED_BUCKETS) * bucketMs - now,
    )
  })

  it('never lets more than the limit through in any sliding minute under constant overload', () => {
    // 1 s buckets, limit 600, 30 attempts per second for five minutes: check every 60 s span.
    const limit = 600
    const w = new SlidingWindow()
    const admittedAt: number[] = []
    for (let ms = 0; ms < 300_000; ms += 1000 / 30) {
      const bucket = B + Math.floor(ms / 1000)
      if (w.used(bucket) + 1 <= limit) {
        w.add(bucket, 1)
        admittedAt.push(ms)
      }
    }
    let worst = 0
    for (let i = 0, j = 0; i < admittedAt.length; i++) {
      while ((admittedAt[i] as number) - (admittedAt[j] as number) >= 60_000) {
        j++
      }
      worst = Math.max(worst, i - j + 1)
    }
    expect(worst).toBeLessThanOrEqual(limit)
    // 61 buckets counted: about limit × 60/61 per minute over the run, and the whole limit in the first minute.
    expect(admittedAt.filter((t) => t < 60_000)).toHaveLength(limit)
    expect(admittedAt.length / 5).toBeGreaterThanOrEqual(limit * 0.98)
  })
})

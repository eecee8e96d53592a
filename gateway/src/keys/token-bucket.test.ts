import { describe, expect, it } from 'vitest'
import { TokenBucket } from './token-bucket.js'

function fakeClock() {
  let now = 1_000_000
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms
    },
  }
}

function takeAll(bucket: TokenBucket): number {
  let taken = 0
  while (bucket.take()) {
    taken++
  }
  return taken
}

describe('TokenBucket', () => {
  it('starts full with one second of tokens and refuses once they are spent', () => {
    const bucket = new TokenBucket({ clock: fakeClock(), perSecond: 20 })
    expect(takeAll(bucket)).toBe(20)
    expect(bucket.take()).toBe(false)
  })

  it('refills at its rate and never holds more than one second of tokens', () => {
    const clock = fakeClock()
    const bucket = new TokenBucket({ clock, perSecond: 20 })
    takeAll(bucket)
    clock.advance(49)
    expect(bucket.take()).toBe(false)
    clock.advance(1)
    expect(bucket.take()).toBe(true)
    expect(bucket.take()).toBe(false)
    clock.advance(60_000)
    expect(takeAll(bucket)).toBe(20)
  })

  it('refuses a rate that is not positive', () => {
    expect(() => new TokenBucket({ clock: fakeClock(), perSecond: 0 })).toThrow(/positive/)
  })
})

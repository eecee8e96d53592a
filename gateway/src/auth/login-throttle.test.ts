import { describe, expect, it } from 'vitest'
import { LoginThrottle } from './login-throttle.js'

function fakeClock(start = 1_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

const MINUTE = 60_000

describe('LoginThrottle', () => {
  it('refuses the 6th failure of one username from one address within 15 minutes, with Retry-After', () => {
    const clock = fakeClock()
    const t = new LoginThrottle({ clock })
    for (let i = 0; i < 5; i++) {
      expect(t.attempt('alice', '10.0.0.1')).toEqual({ ok: true })
      clock.advance(MINUTE)
    }
    // The first failure was 5 minutes ago: it ages out in 10 minutes.
    expect(t.attempt('alice', '10.0.0.1')).toEqual({ ok: false, retryAfterSeconds: 600 })
    // Neither the same name from elsewhere nor another name from here is blocked.
    expect(t.attempt('alice', '10.0.0.2').ok).toBe(true)
    expect(t.attempt('bob', '10.0.0.1').ok).toBe(true)
  })

  it('does not lock the real admin out after twenty made-up usernames from the same address', () => {
    const t = new LoginThrottle({ clock: fakeClock() })
    for (let i = 0; i < 20; i++) {
      expect(t.attempt(`made-up-${i}`, '192.0.2.1').ok).toBe(true)
    }
    expect(t.attempt('admin', '192.0.2.1').ok).toBe(true)
  })

  it('refuses an address after 50 failures across usernames, and only that address', () => {
    const t = new LoginThrottle({ clock: fakeClock() })
    for (let i = 0; i < 50; i++) {
      expect(t.attempt(`user${i}`, '192.0.2.1').ok).toBe(true)
    }
    expect(t.attempt('someone-new', '192.0.2.1').ok).toBe(false)
    expect(t.attempt('someone-new', '192.0.2.2').ok).toBe(true)
  })

  it('refuses a username after 100 failures across addresses (a distributed guesser)', () => {
    const t = new LoginThrottle({ clock: fakeClock() })
    for (let i = 0; i < 100; i++) {
      expect(t.attempt('admin', `198.51.100.${i}`).ok).toBe(true)
    }
    expect(t.attempt('admin', '203.0.113.1').ok).toBe(false)
    expect(t.attempt('alice', '203.0.113.1').ok).toBe(true)
  })

  it('counts usernames case-insensitively', () => {
    const t = new LoginThrottle({ clock: fakeClock(), maxPerPair: 2 })
    t.attempt('Alice', 'a')
    t.attempt('ALICE', 'a')
    expect(t.attempt('alice', 'a').ok).toBe(false)
  })

  it('lets a pair try again once its failures leave the window', () => {
    const clock = fakeClock()
    const t = new LoginThrottle({ clock, maxPerPair: 2 })
    t.attempt('bob', 'a')
    t.attempt('bob', 'a')
    expect(t.attempt('bob', 'a').ok).toBe(false)
    clock.advance(15 * MINUTE + 1)
    expect(t.attempt('bob', 'a').ok).toBe(true)
  })

  it('does not count refused attempts, so the lock does not extend itself', () => {
    const clock = fakeClock()
    const t = new LoginThrottle({ clock, maxPerPair: 1 })
    t.attempt('carol', 'a')
    for (let i = 0; i < 10; i++) {
      clock.advance(MINUTE)
      expect(t.attempt('carol', 'a').ok).toBe(false)
    }
    clock.advance(5 * MINUTE + 1)
    expect(t.attempt('carol', 'a').ok).toBe(true)
  })

  it('clears the pair and gives the address and username their attempt back on success', () => {
    const t = new LoginThrottle({ clock: fakeClock(), maxPerPair: 2, maxPerAddress: 2 })
    t.attempt('dave', 'a')
    t.attempt('dave', 'a')
    t.succeeded('dave', 'a')
    expect(t.attempt('dave', 'a').ok).toBe(true)
    expect(t.attempt('erin', 'a').ok).toBe(false)
  })

  it('forgets a username everywhere, an address, or everything, on clear', () => {
    const t = new LoginThrottle({ clock: fakeClock(), maxPerPair: 1, maxPerAddress: 3 })
    t.attempt('admin', 'a')
    t.attempt('admin', 'b')
    t.attempt('bob', 'a')
    t.clear({ username: 'ADMIN' })
    expect(t.attempt('admin', 'a').ok).toBe(true)
    expect(t.attempt('admin', 'b').ok).toBe(true)
    expect(t.attempt('bob', 'a').ok).toBe(false)
    t.attempt('x', 'a') // the address is now at 3
    expect(t.attempt('y', 'a').ok).toBe(false)
    t.clear({ address: 'a' })
    expect(t.attempt('y', 'a').ok).toBe(true)
    expect(t.attempt('bob', 'c').ok).toBe(true)
    t.clear('all')
    expect(t.attempt('bob', 'c').ok).toBe(true)
    expect(t.attempt('y', 'a').ok).toBe(true)
  })

  it('stays bounded: the least recently seen entries are forgotten', () => {
    const t = new LoginThrottle({ clock: fakeClock(), maxPerPair: 1, maxEntries: 2 })
    t.attempt('u1', 'a')
    t.attempt('u2', 'a')
    t.attempt('u3', 'a')
    expect(t.attempt('u1', 'a').ok).toBe(true)
    expect(t.attempt('u3', 'a').ok).toBe(false)
  })
})

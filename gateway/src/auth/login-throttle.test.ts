import { describe, expect, it } from 'vitest'
import { LoginThrottle } from './login-throttle.js'

function fakeClock(start = 1_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

const MINUTE = 60_000

describe('LoginThrottle', () => {
  it('refuses the 6th failed attempt for one username within 15 minutes, with Retry-After', () => {
    const clock = fakeClock()
    const t = new LoginThrottle({ clock })
    for (let i = 0; i < 5; i++) {
      expect(t.attempt('alice', `10.0.0.${i}`)).toEqual({ ok: true })
      clock.advance(MINUTE)
    }
    // The first failure was 5 minutes ago: it ages out in 10 minutes.
    expect(t.attempt('alice', '10.0.0.99')).toEqual({ ok: false, retryAfterSeconds: 600 })
  })

  it('counts usernames case-insensitively', () => {
    const t = new LoginThrottle({ clock: fakeClock(), maxPerUsername: 2 })
    t.attempt('Alice', 'a')
    t.attempt('ALICE', 'b')
    expect(t.attempt('alice', 'c').ok).toBe(false)
  })

  it('lets a username try again once its failures leave the window', () => {
    const clock = fakeClock()
    const t = new LoginThrottle({ clock, maxPerUsername: 2 })
    t.attempt('bob', 'a')
    t.attempt('bob', 'a')
    expect(t.attempt('bob', 'a').ok).toBe(false)
    clock.advance(15 * MINUTE + 1)
    expect(t.attempt('bob', 'a').ok).toBe(true)
  })

  it('refuses an address after 20 failures across many usernames', () => {
    const t = new LoginThrottle({ clock: fakeClock() })
    for (let i = 0; i < 20; i++) {
      expect(t.attempt(`user${i}`, '192.0.2.1').ok).toBe(true)
    }
    expect(t.attempt('someone-new', '192.0.2.1').ok).toBe(false)
    expect(t.attempt('someone-new', '192.0.2.2').ok).toBe(true)
  })

  it('does not count refused attempts, so the lock does not extend itself', () => {
    const clock = fakeClock()
    const t = new LoginThrottle({ clock, maxPerUsername: 1 })
    t.attempt('carol', 'a')
    for (let i = 0; i < 10; i++) {
      clock.advance(MINUTE)
      expect(t.attempt('carol', 'a').ok).toBe(false)
    }
    clock.advance(5 * MINUTE + 1)
    expect(t.attempt('carol', 'a').ok).toBe(true)
  })

  it('clears the username and gives the address its attempt back on success', () => {
    const t = new LoginThrottle({ clock: fakeClock(), maxPerUsername: 2, maxPerAddress: 2 })
    t.attempt('dave', 'a')
    t.attempt('dave', 'a')
    t.succeeded('dave', 'a')
    expect(t.attempt('dave', 'b').ok).toBe(true)
    expect(t.attempt('erin', 'a').ok).toBe(true)
    expect(t.attempt('frank', 'a').ok).toBe(false)
  })

  it('stays bounded: the least recently seen entries are forgotten', () => {
    const t = new LoginThrottle({ clock: fakeClock(), maxPerUsername: 1, maxEntries: 2 })
    t.attempt('u1', 'a1')
    t.attempt('u2', 'a2')
    t.attempt('u3', 'a3')
    expect(t.attempt('u1', 'a4').ok).toBe(true)
    expect(t.attempt('u3', 'a5').ok).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { createAddressAllowlist, normaliseCidr } from './address-allowlist.js'

describe('address allowlist', () => {
  it('is null (anywhere) for an empty list', () => {
    expect(createAddressAllowlist([])).toBeNull()
  })

  it('matches IPv4 and IPv6 networks, single hosts, and nothing else', () => {
    const list = createAddressAllowlist(['10.0.0.0/8', '2001:db8::/32', '192.168.1.7/32'])
    expect(list?.allows('10.200.3.4')).toBe(true)
    expect(list?.allows('11.0.0.1')).toBe(false)
    expect(list?.allows('2001:db8:ffff::1')).toBe(true)
    expect(list?.allows('2001:db9::1')).toBe(false)
    expect(list?.allows('192.168.1.7')).toBe(true)
    expect(list?.allows('192.168.1.8')).toBe(false)
    expect(list?.allows('unknown')).toBe(false)
    expect(list?.allows('')).toBe(false)
  })

  it('normalises what it accepts and refuses what is not a CIDR', () => {
    expect(normaliseCidr(' 10.0.0.0/8 ')).toBe('10.0.0.0/8')
    expect(normaliseCidr('192.168.1.7')).toBe('192.168.1.7/32')
    expect(normaliseCidr('::1')).toBe('::1/128')
    for (const bad of [
      '10.0.0.0/33',
      '10.0.0/8',
      'fe80::/129',
      'example.com',
      '10.0.0.0/8/1',
      '',
    ]) {
      expect(normaliseCidr(bad), bad).toBeUndefined()
    }
  })
})

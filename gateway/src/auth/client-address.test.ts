import { describe, expect, it } from 'vitest'
import { type Cidr, createClientAddressOf, parseCidr } from './client-address.js'

function cidrs(...texts: string[]): Cidr[] {
  return texts.map((t) => {
    const c = parseCidr(t)
    if (c === undefined) {
      throw new Error(`bad test CIDR ${t}`)
    }
    return c
  })
}

describe('parseCidr', () => {
  it('reads IPv4 and IPv6 networks and single addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' })
    expect(parseCidr(' 192.168.1.7 ')).toEqual({
      address: '192.168.1.7',
      prefix: 32,
      family: 'ipv4',
    })
    expect(parseCidr('fd00::/8')).toEqual({ address: 'fd00::', prefix: 8, family: 'ipv6' })
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' })
  })

  it('refuses what is not a network', () => {
    for (const bad of [
      '',
      'localhost',
      '10.0.0.0/33',
      '::/129',
      '10.0.0.0/8/1',
      '10.0.0/8',
      '1.2.3.4/x',
      '1.2.3.4/-1',
    ]) {
      expect(parseCidr(bad), bad).toBeUndefined()
    }
  })
})

describe('createClientAddressOf', () => {
  it('uses the socket address and ignores X-Forwarded-For when no proxy is trusted', () => {
    const of = createClientAddressOf([])
    expect(of('203.0.113.9', '198.51.100.1')).toBe('203.0.113.9')
    expect(of('::ffff:203.0.113.9', undefined)).toBe('203.0.113.9')
    expect(of(undefined, undefined)).toBe('unknown')
  })

  it('ignores X-Forwarded-For from a peer that is not trusted', () => {
    const of = createClientAddressOf(cidrs('10.0.0.0/8'))
    expect(of('203.0.113.9', '198.51.100.1')).toBe('203.0.113.9')
  })

  it('takes the right-most untrusted entry behind trusted proxies, whatever the client wrote to its left', () => {
    const of = createClientAddressOf(cidrs('10.0.0.0/8', 'fd00::/8'))
    expect(of('10.1.2.3', '198.51.100.7')).toBe('198.51.100.7')
    expect(of('::ffff:10.1.2.3', 'spoofed-by-client, 1.1.1.1, 198.51.100.7, 10.9.9.9')).toBe(
      '198.51.100.7',
    )
    expect(of('fd00::1', '2001:db8::5, fd00::2')).toBe('2001:db8::5')
    expect(of('10.1.2.3', '198.51.100.7:5123')).toBe('198.51.100.7')
    expect(of('10.1.2.3', '[2001:db8::5]:443')).toBe('2001:db8::5')
  })

  it('falls back to the last trusted hop on garbage, and to the left-most when every hop is trusted', () => {
    const of = createClientAddressOf(cidrs('10.0.0.0/8'))
    expect(of('10.1.2.3', 'not-an-ip')).toBe('10.1.2.3')
    expect(of('10.1.2.3', '198.51.100.7, garbage, 10.0.0.5')).toBe('10.0.0.5')
    expect(of('10.1.2.3', '10.0.0.9, 10.0.0.5')).toBe('10.0.0.9')
    expect(of('10.1.2.3', undefined)).toBe('10.1.2.3')
  })
})

import { describe, expect, it } from 'vitest'
import { parseConfig } from './config.js'

describe('KEYGATE_TRUSTED_PROXIES', () => {
  it('defaults to no trusted proxy', () => {
    const parsed = parseConfig({})
    expect(parsed.ok && parsed.config.trustedProxies).toEqual([])
  })

  it('reads comma-separated IPv4 and IPv6 networks and addresses', () => {
    const parsed = parseConfig({ KEYGATE_TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8,192.168.0.1,' })
    expect(
      parsed.ok && parsed.config.trustedProxies.map((c) => `${c.address}/${c.prefix}`),
    ).toEqual(['10.0.0.0/8', 'fd00::/8', '192.168.0.1/32'])
  })

  it('names every entry that is not a network, and refuses to start', () => {
    const parsed = parseConfig({
      KEYGATE_TRUSTED_PROXIES: '10.0.0.0/8, ingress-nginx, 10.0.0.0/40',
    })
    expect(parsed.ok).toBe(false)
    const problems = parsed.ok ? [] : parsed.problems
    expect(problems).toEqual([
      "KEYGATE_TRUSTED_PROXIES: 'ingress-nginx' is not an IP address or CIDR network (e.g. 10.0.0.0/8, fd00::/8)",
      "KEYGATE_TRUSTED_PROXIES: '10.0.0.0/40' is not an IP address or CIDR network (e.g. 10.0.0.0/8, fd00::/8)",
    ])
  })
})

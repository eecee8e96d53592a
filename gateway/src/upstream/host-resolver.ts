import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'

/**
 * Turns a host name into its current addresses. Injectable so tests can play a Kubernetes headless Service
 * (one name, one A record per ready pod) without a DNS server.
 */
export type ResolveHost = (host: string) => Promise<readonly string[]>

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), every address it knows. */
export const resolveWithSystem: ResolveHost = async (host) => {
  const found = await lookup(host, { all: true })
  return found.map((a) => a.address)
}

/** The host of a URL without IPv6 brackets, as `URL.hostname` keeps them. */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname
}

/** An address literal needs no resolving: it is its own, only, instance. */
export function isAddressLiteral(hostname: string): boolean {
  return isIP(bareHost(hostname)) !== 0
}

/** An address as it goes in a URL authority (IPv6 in brackets). */
export function toUrlHost(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address
}

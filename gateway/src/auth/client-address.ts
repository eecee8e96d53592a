import { BlockList, isIP } from 'node:net'

/**
 * The client's address, for the login throttle (and, later, per-key address allowlists on the proxy path: it is
 * framework-free and costs nothing when no proxy is trusted). The socket's peer address, unless that peer is a
 * trusted proxy (KEYGATE_TRUSTED_PROXIES): then the right-most X-Forwarded-For entry that is not itself trusted,
 * the standard algorithm. Entries left of it were written by the client and are never believed; with no trusted
 * proxy the header is ignored entirely, so a client cannot pick a fresh "address" per guess.
 */

/** One trusted network: `10.0.0.0/8`, `fd00::/8`, or a single address (a /32 or /128). */
export interface Cidr {
  readonly address: string
  readonly prefix: number
  readonly family: 'ipv4' | 'ipv6'
}

/** Parses `a.b.c.d[/n]` or an IPv6 address with an optional `/n`; undefined when it is neither. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/')
  const version = isIP(address)
  if (version === 0 || extra !== undefined) {
    return undefined
  }
  const max = version === 4 ? 32 : 128
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) {
    return undefined
  }
  const prefix = prefixText === undefined ? max : Number(prefixText)
  if (prefix > max) {
    return undefined
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' }
}

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) is `10.0.0.1`, so IPv4 networks match it. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}

/** An X-Forwarded-For entry as an address: some proxies add a port (`1.2.3.4:5678`, `[::1]:5678`). */
function entryAddress(entry: string): string | undefined {
  const e = entry.trim()
  if (isIP(e) !== 0) {
    return normalise(e)
  }
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(e)?.[1]
  if (bracketed !== undefined && isIP(bracketed) === 6) {
    return normalise(bracketed)
  }
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(e)?.[1]
  return v4 !== undefined && isIP(v4) === 4 ? v4 : undefined
}

export type ClientAddressOf = (
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
) => string

/** Builds the resolver once (at start-up) for the configured trusted networks. */
export function createClientAddressOf(trusted: readonly Cidr[]): ClientAddressOf {
  if (trusted.length === 0) {
    return (socketAddress) => (socketAddress === undefined ? 'unknown' : normalise(socketAddress))
  }
  const list = new BlockList()
  for (const cidr of trusted) {
    list.addSubnet(cidr.address, cidr.prefix, cidr.family)
  }
  const isTrusted = (address: string) => list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')

  return function clientAddressOf(socketAddress, forwardedFor) {
    if (socketAddress === undefined) {
      return 'unknown'
    }
    let address = normalise(socketAddress)
    if (forwardedFor === undefined || !isTrusted(address)) {
      return address
    }
    const entries = forwardedFor.split(',')
    for (let i = entries.length - 1; i >= 0; i -= 1) {
      const entry = entryAddress(entries[i] ?? '')
      if (entry === undefined) {
        return address // garbage from a misconfigured hop: the last address we could trust is all we know
      }
      address = entry
      if (!isTrusted(address)) {
        return address
      }
    }
    return address // every hop is trusted: the left-most is the client
  }
}

import { BlockList, isIP } from 'node:net'
import { parseCidr } from './client-address.js'

/**
 * A key's client address allowlist (`allowed_ips`), built once when the key is cached: a request then costs one
 * BlockList lookup, never a parse.
 */
export interface AddressAllowlist {
  /** Whether `address` (as auth/client-address.ts resolved it; 'unknown' when there is none) may use the key. */
  allows(address: string): boolean
}

/** Null for an empty list (anywhere). Entries are checked on input (keys/key-input.ts); a bad one is skipped. */
export function createAddressAllowlist(cidrs: readonly string[]): AddressAllowlist | null {
  if (cidrs.length === 0) {
    return null
  }
  const list = new BlockList()
  for (const text of cidrs) {
    const cidr = parseCidr(text)
    if (cidr !== undefined) {
      list.addSubnet(cidr.address, cidr.prefix, cidr.family)
    }
  }
  return Object.freeze({
    allows(address: string): boolean {
      const version = isIP(address)
      return version !== 0 && list.check(address, version === 6 ? 'ipv6' : 'ipv4')
    },
  })
}

/** `10.1.2.3/8` → `10.1.2.3/8` unchanged but trimmed, a bare address gets its /32 or /128; undefined when invalid. */
export function normaliseCidr(text: string): string | undefined {
  const cidr = parseCidr(text)
  return cidr === undefined ? undefined : `${cidr.address}/${cidr.prefix}`
}

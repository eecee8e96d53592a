import type { Logger } from 'pino'
import { EngineAddress } from './engine-address.js'
import { bareHost, isAddressLiteral, type ResolveHost, toUrlHost } from './host-resolver.js'
import { aggregateHealth, type InstanceHealth } from './instance-health.js'

/** The addresses one instance URL stands for right now. Replaced, never mutated, when they change. */
export interface Resolution {
  readonly addresses: readonly EngineAddress[]
  /** Unique per resolution, so whatever was built from an older one knows to rebuild. */
  readonly version: number
}

interface Entry {
  /** The instance URL exactly as configured (the map key). */
  readonly configured: string
  readonly url: URL
  /** The host is a name to resolve (not an address literal). */
  readonly isName: boolean
  resolution: Resolution
  /** The last resolve failed (logged once per failure streak). */
  failing: boolean
}

export interface AddressBookOptions {
  readonly resolveHost: ResolveHost
  readonly headersTimeoutMs: number
  readonly idleTimeoutMs: number
  readonly logger: Logger
}

let nextVersion = 1

/**
 * Instance URL → engine addresses: an address literal is one address; a host name (a Kubernetes
 * headless Service) is one address per A/AAAA record, re-resolved on every refresh, so pods that come and go are
 * followed without a restart. Addresses are shared by URLs that reach the same place (same key).
 */
export class AddressBook {
  readonly #options: AddressBookOptions
  readonly #entries = new Map<string, Entry>()
  readonly #addresses = new Map<string, EngineAddress>()

  constructor(options: AddressBookOptions) {
    this.#options = options
  }

  /**
   * The URL's current addresses, without I/O. A URL seen for the first time is usable at once: a name not
   * resolved yet is one address under its own name (undici resolves it) until the next refresh expands it.
   */
  resolutionOf(url: string): Resolution {
    const known = this.#entries.get(url)
    if (known !== undefined) {
      return known.resolution
    }
    const parsed = new URL(url)
    const entry: Entry = {
      configured: url,
      url: parsed,
      isName: !isAddressLiteral(parsed.hostname),
      resolution: { addresses: [this.#address(parsed, undefined)], version: nextVersion++ },
      failing: false,
    }
    this.#entries.set(url, entry)
    return entry.resolution
  }

  /** Whether `url` was never seen (so a probe round soon would be worth it). */
  isNew(url: string): boolean {
    return !this.#entries.has(url)
  }

  healthOf(url: string): InstanceHealth {
    const entry = this.#entries.get(url)
    return entry === undefined
      ? 'unknown'
      : aggregateHealth(entry.resolution.addresses.map((a) => a.health))
  }

  /** Every address in use, each once. */
  addresses(): IterableIterator<EngineAddress> {
    return this.#addresses.values()
  }

  /**
   * Follows the configuration and DNS: forgets URLs no longer configured, re-resolves host names, and retires
   * the addresses nobody uses any more (their requests in flight finish first). A failed lookup keeps the
   * previous addresses: a DNS hiccup must not take every pod out of service.
   */
  async refresh(urls: ReadonlySet<string>): Promise<void> {
    for (const url of urls) {
      this.resolutionOf(url)
    }
    const names = [...this.#entries.values()].filter((e) => e.isName && urls.has(e.configured))
    const looked = await Promise.all(
      names.map((e) =>
        this.#options.resolveHost(bareHost(e.url.hostname)).then(
          (found) => ({ entry: e, found }),
          (err: unknown) => ({ entry: e, err }),
        ),
      ),
    )
    for (const result of looked) {
      const e = result.entry
      if ('err' in result) {
        if (!e.failing) {
          this.#options.logger.warn(
            { err: result.err, host: e.url.hostname },
            'engine host name did not resolve; keeping its last addresses',
          )
        }
        e.failing = true
        continue
      }
      e.failing = false
      this.#apply(e, result.found)
    }
    for (const [url] of this.#entries) {
      if (!urls.has(url)) {
        this.#entries.delete(url)
      }
    }
    this.#retireUnused()
  }

  /** Closes every connection (shutdown). */
  async close(): Promise<void> {
    const all = [...this.#addresses.values()]
    this.#addresses.clear()
    this.#entries.clear()
    await Promise.all(all.map((a) => a.destroy()))
  }

  #apply(entry: Entry, found: readonly string[]): void {
    const wanted = [...new Set(found)].sort()
    const addresses = wanted.map((ip) => this.#address(entry.url, ip))
    const before = entry.resolution.addresses
    if (before.length === addresses.length && before.every((a, i) => a === addresses[i])) {
      return
    }
    entry.resolution = { addresses, version: nextVersion++ }
    this.#options.logger.info(
      { host: entry.url.hostname, addresses: addresses.map((a) => a.key) },
      'engine host name resolved to a new set of addresses',
    )
  }

  /** The shared address for `url` reached at `ip` (or at the URL's own host when ip is undefined). */
  #address(url: URL, ip: string | undefined): EngineAddress {
    const prefix = url.pathname.replace(/\/+$/, '')
    const origin =
      ip === undefined
        ? url.origin
        : `${url.protocol}//${toUrlHost(ip)}${url.port === '' ? '' : `:${url.port}`}`
    const hostName = ip === undefined ? undefined : url.host
    const key = `${origin}${prefix}${hostName === undefined ? '' : ` (${hostName})`}`
    let address = this.#addresses.get(key)
    if (address === undefined) {
      address = new EngineAddress({
        origin,
        prefix,
        hostName,
        headersTimeoutMs: this.#options.headersTimeoutMs,
        idleTimeoutMs: this.#options.idleTimeoutMs,
      })
      this.#addresses.set(key, address)
    }
    return address
  }

  #retireUnused(): void {
    const used = new Set<EngineAddress>()
    for (const e of this.#entries.values()) {
      for (const a of e.resolution.addresses) {
        used.add(a)
      }
    }
    for (const [key, address] of this.#addresses) {
      if (!used.has(address)) {
        this.#addresses.delete(key)
        address.retire()
      }
    }
  }
}

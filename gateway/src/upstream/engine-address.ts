import { Pool } from 'undici'
import type { InstanceHealth } from './instance-health.js'

/**
 * Engines close idle connections after ~5 s (uvicorn's and httplib's keep-alive, docs/engines.md §5); closing ours
 * first means a request rarely lands on a socket the engine is closing (a reset that still happens is retried).
 */
const KEEP_ALIVE_MS = 4_000

export interface EngineAddressOptions {
  /** Scheme, address and port, e.g. http://10.0.3.7:8000 (or the instance URL's own origin). */
  readonly origin: string
  /** Path of the instance URL (e.g. `/engine` behind a path-routing proxy); usually empty. */
  readonly prefix: string
  /**
   * The Host header (and TLS server name) to send when `origin` holds an address the URL's host name resolved to,
   * so virtual hosts and certificates still see the name; undefined when the origin is the URL's own.
   */
  readonly hostName: string | undefined
  readonly headersTimeoutMs: number
  readonly idleTimeoutMs: number
}

/**
 * One engine process as the gateway reaches it (an instance URL, or one address of a name that resolves to
 * several): its connection pool, requests in flight and last known health. Shared by every model that lists it.
 */
export class EngineAddress {
  /** `origin + prefix`: what metrics and /v2/models call this address. */
  readonly key: string
  readonly prefix: string
  readonly hostName: string | undefined
  readonly #options: EngineAddressOptions
  #pool: Pool | undefined
  #outstanding = 0
  #health: InstanceHealth = 'unknown'

  constructor(options: EngineAddressOptions) {
    this.#options = options
    this.key = options.origin + options.prefix
    this.prefix = options.prefix
    this.hostName = options.hostName
  }

  /** The undici Pool, created on first use (a configured engine nobody calls costs nothing). */
  get pool(): Pool {
    if (this.#pool === undefined) {
      const o = this.#options
      this.#pool = new Pool(o.origin, {
        keepAliveTimeout: KEEP_ALIVE_MS,
        keepAliveMaxTimeout: KEEP_ALIVE_MS,
        keepAliveTimeoutThreshold: 1_000,
        headersTimeout: o.headersTimeoutMs,
        bodyTimeout: o.idleTimeoutMs,
        ...(o.hostName === undefined ? {} : { connect: { servername: hostOnly(o.hostName) } }),
      })
    }
    return this.#pool
  }

  get outstanding(): number {
    return this.#outstanding
  }

  get health(): InstanceHealth {
    return this.#health
  }

  /** Sets the health; returns true when it changed (worth a log line). */
  setHealth(health: InstanceHealth): boolean {
    const changed = this.#health !== health
    this.#health = health
    return changed
  }

  /** A request starts; the returned function (idempotent) ends it. */
  begin(): () => void {
    this.#outstanding++
    let done = false
    return () => {
      if (!done) {
        done = true
        this.#outstanding--
      }
    }
  }

  /** Lets requests in flight finish, then closes the connections (an address that left DNS, a pod going away). */
  retire(): void {
    const pool = this.#pool
    this.#pool = undefined
    void pool?.close().catch(() => undefined)
  }

  /** Closes every connection now, requests in flight included (shutdown, after its grace period). */
  async destroy(): Promise<void> {
    const pool = this.#pool
    this.#pool = undefined
    await pool?.destroy()
  }
}

/** `name:port` → `name` (TLS SNI carries no port). */
function hostOnly(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? host)
}

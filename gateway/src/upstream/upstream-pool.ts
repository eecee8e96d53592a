import type { Readable } from 'node:stream'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { InstanceTarget, ModelTarget } from '../models/model-registry.js'
import type { Metrics } from '../observability/metrics.js'
import { AddressBook } from './address-book.js'
import type { EngineAddress } from './engine-address.js'
import { publishHealth } from './health-gauge.js'
import { HealthProber } from './health-prober.js'
import { type ResolveHost, resolveWithSystem } from './host-resolver.js'
import type { InstanceHealth } from './instance-health.js'
import { type Endpoint, pickEndpoint } from './instance-picker.js'
import { UpstreamExchange, type UpstreamResponse } from './upstream-response.js'
import type { UpstreamSignal } from './upstream-signal.js'

export type { InstanceHealth } from './instance-health.js'
export type { UpstreamResponse } from './upstream-response.js'

export interface UpstreamPoolOptions {
  config: Config
  logger: Logger
  metrics: Metrics
  /** Host name → addresses; the system resolver by default (tests play a headless Service with a map). */
  resolveHost?: ResolveHost
}

export interface UpstreamRequest {
  /** The engine route, e.g. /v1/chat/completions (appended to any path in the instance URL). */
  readonly path: string
  readonly headers: Record<string, string>
  /** Bytes in memory, or a stream read as it is sent (a multipart upload; one stream per attempt). */
  readonly body: Uint8Array | Readable
  /**
   * For a streamed body: whether it can still be sent to another instance (none of it has been read). Absent:
   * the body is in memory and can always be sent again.
   */
  readonly canResend?: (() => boolean) | undefined
  /** Aborting closes the request and its connection at once, before or after the headers. */
  readonly signal: UpstreamSignal
}

/** Where one request goes: an instance (its weight and engine key) at one of its addresses. */
export type UpstreamEndpoint = Endpoint<EngineAddress>

/** One address as /v2/models, tests and operators see it. */
export interface AddressStatus {
  readonly address: string
  readonly health: InstanceHealth
  readonly outstanding: number
}

export interface UpstreamPool {
  /** The instance URL's health: the aggregate of its addresses when its host name resolves to several. */
  healthOf(instanceUrl: string): InstanceHealth
  /** Each address the instance URL stands for right now. */
  addressesOf(instanceUrl: string): readonly AddressStatus[]
  /**
   * Where to send the next request for these instances, or undefined when none is eligible. Pure lookup:
   * O(addresses), no I/O. `avoid` skips an address that just failed.
   */
  pick(instances: readonly InstanceTarget[], avoid?: EngineAddress): UpstreamEndpoint | undefined
  /**
   * Sends one request. Rejects with undici's error on connection failure, headers timeout or abort; a body
   * that goes quiet for the idle timeout errors with BodyTimeoutError.
   */
  send(endpoint: UpstreamEndpoint, request: UpstreamRequest): Promise<UpstreamResponse>
  /** Takes an address out of rotation at once (it refused a connection); the prober brings it back. */
  markDown(address: EngineAddress, err: unknown): void
  /** Starts background health checks of every instance of `models()` (read on each round). */
  startHealthChecks(models: () => readonly ModelTarget[]): void
  readonly timeouts: { readonly headersMs: number; readonly idleMs: number }
  /** Stops probing and closes every connection. */
  close(): Promise<void>
}

interface Route {
  readonly version: number
  readonly endpoints: readonly UpstreamEndpoint[]
}

/** One undici Pool per engine address, health-aware picking, DNS expansion. */
class UndiciUpstreamPool implements UpstreamPool {
  readonly timeouts: { readonly headersMs: number; readonly idleMs: number }
  readonly #book: AddressBook
  readonly #logger: Logger
  readonly #metrics: Metrics
  readonly #intervalMs: number
  /** Endpoints per instance of the current registry snapshot, rebuilt when its addresses change. */
  readonly #routes = new WeakMap<InstanceTarget, Route>()
  readonly #endpointsOf = (instance: InstanceTarget) => this.#routeOf(instance).endpoints
  #prober: HealthProber | undefined
  #models: () => readonly ModelTarget[] = () => []
  #rotation = 0

  constructor(options: UpstreamPoolOptions) {
    const { config } = options
    this.timeouts = {
      headersMs: config.upstreamHeadersTimeoutMs,
      idleMs: config.upstreamIdleTimeoutMs,
    }
    this.#logger = options.logger
    this.#metrics = options.metrics
    this.#intervalMs = config.healthIntervalMs
    this.#book = new AddressBook({
      resolveHost: options.resolveHost ?? resolveWithSystem,
      headersTimeoutMs: config.upstreamHeadersTimeoutMs,
      idleTimeoutMs: config.upstreamIdleTimeoutMs,
      logger: options.logger,
    })
  }

  healthOf(instanceUrl: string): InstanceHealth {
    if (this.#book.isNew(instanceUrl)) {
      this.#prober?.soon() // shown before any request picked it (/v2/models right after a create)
    }
    return this.#book.healthOf(instanceUrl)
  }

  addressesOf(instanceUrl: string): readonly AddressStatus[] {
    return this.#book.resolutionOf(instanceUrl).addresses.map((a) => ({
      address: a.key,
      health: a.health,
      outstanding: a.outstanding,
    }))
  }

  pick(instances: readonly InstanceTarget[], avoid?: EngineAddress): UpstreamEndpoint | undefined {
    this.#rotation = (this.#rotation + 1) % 1_000_000
    return pickEndpoint(instances, this.#endpointsOf, this.#rotation, avoid)
  }

  send(endpoint: UpstreamEndpoint, request: UpstreamRequest): Promise<UpstreamResponse> {
    const address = endpoint.address
    const exchange = new UpstreamExchange(request.signal, address.begin())
    const response = exchange.response()
    address.pool.dispatch(
      {
        method: 'POST',
        path: address.prefix + request.path,
        // An address a host name resolved to: the engine (or the proxy in front of it) still sees the name.
        headers:
          address.hostName === undefined
            ? request.headers
            : { ...request.headers, host: address.hostName },
        body: request.body,
      },
      exchange,
    )
    return response
  }

  markDown(address: EngineAddress, err: unknown): void {
    if (address.setHealth('unhealthy')) {
      this.#logger.warn({ instance: address.key, err }, 'engine instance marked down')
      this.#publish()
    }
  }

  startHealthChecks(models: () => readonly ModelTarget[]): void {
    if (this.#prober !== undefined) {
      return
    }
    this.#models = models
    this.#prober = new HealthProber({
      book: this.#book,
      intervalMs: this.#intervalMs,
      instanceUrls: () => {
        const urls = new Set<string>()
        for (const m of models()) {
          for (const i of m.instances) {
            urls.add(i.url)
          }
        }
        return urls
      },
      onRound: () => this.#publish(),
      logger: this.#logger,
    })
    this.#prober.start()
  }

  async close(): Promise<void> {
    this.#prober?.stop()
    // Shutdown has already let streams finish (server.stop's grace); whatever is left is cut.
    await this.#book.close()
  }

  #routeOf(instance: InstanceTarget): Route {
    const known = this.#routes.get(instance)
    const isNew = known === undefined && this.#book.isNew(instance.url)
    const resolution = this.#book.resolutionOf(instance.url)
    if (known !== undefined && known.version === resolution.version) {
      return known
    }
    const route: Route = {
      version: resolution.version,
      endpoints: resolution.addresses.map((address) => ({ instance, address })),
    }
    this.#routes.set(instance, route)
    if (isNew) {
      this.#prober?.soon() // an instance added through the API: learn its health now, not in an interval
    }
    return route
  }

  #publish(): void {
    publishHealth(this.#metrics.upstreamUp, this.#models(), this.#book)
  }
}

export function createUpstreamPool(options: UpstreamPoolOptions): UpstreamPool {
  return new UndiciUpstreamPool(options)
}

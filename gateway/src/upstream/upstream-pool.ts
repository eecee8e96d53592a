import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import type { Logger } from 'pino'
import { Pool } from 'undici'
import type { Config } from '../config.js'
import type { InstanceTarget } from '../models/model-registry.js'
import type { Metrics } from '../observability/metrics.js'
import { type InstanceHealth, InstanceHealthStore } from './instance-health.js'
import { pickInstance } from './instance-picker.js'

export type { InstanceHealth } from './instance-health.js'

/**
 * Engines close idle connections after ~5 s (uvicorn's and httplib's keep-alive, ENGINES.md §5); closing ours
 * first means a request never lands on a socket the engine is closing.
 */
const KEEP_ALIVE_MS = 4_000

export interface UpstreamPoolOptions {
  config: Config
  logger: Logger
  metrics: Metrics
}

export interface UpstreamRequest {
  /** The engine route, e.g. /v1/chat/completions (appended to any path in the instance URL). */
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: Uint8Array
  /** Aborting closes the request and its connection at once, before or after the headers. */
  readonly signal: AbortSignal
}

export interface UpstreamResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  /** Must be consumed or destroyed; the instance's outstanding count drops when it closes. */
  readonly body: Readable
}

export interface UpstreamPool {
  /** The instance's current health; 'unknown' before the first probe. */
  healthOf(instanceUrl: string): InstanceHealth
  /** The instance to send the next request to, or undefined when none is eligible. */
  pick(instances: readonly InstanceTarget[]): InstanceTarget | undefined
  /**
   * Sends one request. Rejects with undici's error on connection failure, headers timeout or abort; a body
   * that goes quiet for the idle timeout errors with BodyTimeoutError.
   */
  send(instance: InstanceTarget, request: UpstreamRequest): Promise<UpstreamResponse>
  readonly timeouts: { readonly headersMs: number; readonly idleMs: number }
  close(): Promise<void>
}

interface Origin {
  readonly pool: Pool
  /** Path of the instance URL (e.g. `/engine` behind a path-routing proxy); usually empty. */
  readonly prefix: string
}

/** One undici Pool per engine origin, created on first use and reused (STYLE §7). */
class UndiciUpstreamPool implements UpstreamPool {
  readonly timeouts: { readonly headersMs: number; readonly idleMs: number }
  readonly #origins = new Map<string, Origin>()
  readonly #pools = new Map<string, Pool>()
  readonly #outstanding = new Map<string, number>()
  readonly #health = new InstanceHealthStore()
  #rotation = 0

  constructor(options: UpstreamPoolOptions) {
    this.timeouts = {
      headersMs: options.config.upstreamHeadersTimeoutMs,
      idleMs: options.config.upstreamIdleTimeoutMs,
    }
  }

  healthOf(instanceUrl: string): InstanceHealth {
    return this.#health.get(instanceUrl)
  }

  pick(instances: readonly InstanceTarget[]): InstanceTarget | undefined {
    this.#rotation = (this.#rotation + 1) % 1_000_000
    return pickInstance(
      instances,
      {
        outstanding: (url) => this.#outstanding.get(url) ?? 0,
        isEligible: (url) => this.#health.isEligible(url),
      },
      this.#rotation,
    )
  }

  async send(instance: InstanceTarget, request: UpstreamRequest): Promise<UpstreamResponse> {
    const { pool, prefix } = this.#originOf(instance.url)
    const url = instance.url
    this.#outstanding.set(url, (this.#outstanding.get(url) ?? 0) + 1)
    let released = false
    const release = () => {
      if (!released) {
        released = true
        const left = (this.#outstanding.get(url) ?? 1) - 1
        if (left <= 0) {
          this.#outstanding.delete(url)
        } else {
          this.#outstanding.set(url, left)
        }
      }
    }
    try {
      const res = await pool.request({
        method: 'POST',
        path: prefix + request.path,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
      })
      res.body.once('close', release)
      if (res.body.destroyed) {
        release()
      }
      return { status: res.statusCode, headers: res.headers, body: res.body }
    } catch (err) {
      release()
      throw err
    }
  }

  #originOf(instanceUrl: string): Origin {
    const known = this.#origins.get(instanceUrl)
    if (known !== undefined) {
      return known
    }
    const parsed = new URL(instanceUrl)
    let pool = this.#pools.get(parsed.origin)
    if (pool === undefined) {
      pool = new Pool(parsed.origin, {
        keepAliveTimeout: KEEP_ALIVE_MS,
        keepAliveMaxTimeout: KEEP_ALIVE_MS,
        keepAliveTimeoutThreshold: 1_000,
        headersTimeout: this.timeouts.headersMs,
        bodyTimeout: this.timeouts.idleMs,
      })
      this.#pools.set(parsed.origin, pool)
    }
    const origin = { pool, prefix: parsed.pathname.replace(/\/+$/, '') }
    this.#origins.set(instanceUrl, origin)
    return origin
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()]
    this.#pools.clear()
    this.#origins.clear()
    // Shutdown has already let streams finish (server.stop's grace); whatever is left is cut.
    await Promise.all(pools.map((p) => p.destroy()))
  }
}

export function createUpstreamPool(options: UpstreamPoolOptions): UpstreamPool {
  return new UndiciUpstreamPool(options)
}

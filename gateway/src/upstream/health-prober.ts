import type { Logger } from 'pino'
import type { AddressBook } from './address-book.js'
import type { EngineAddress } from './engine-address.js'
import type { InstanceHealth } from './instance-health.js'

/** A probe slower than this counts as a failure, whatever the interval (a healthy engine answers in ms). */
const MAX_PROBE_TIMEOUT_MS = 5_000
const MIN_PROBE_TIMEOUT_MS = 1_000

/**
 * GET `<prefix>/health` (docs/engines.md §4): 200 is ready; anything else is not: vLLM refuses connections while it
 * loads and answers 503 when its engine died; llama.cpp answers 503 "Loading model" until the model is in memory.
 * Public on both engines, so no key is sent.
 */
export async function probeHealth(
  address: EngineAddress,
  signal: AbortSignal,
): Promise<InstanceHealth> {
  try {
    const res = await address.pool.request({
      method: 'GET',
      path: `${address.prefix}/health`,
      headers: address.hostName === undefined ? {} : { host: address.hostName },
      signal,
    })
    await res.body.dump()
    return res.statusCode === 200 ? 'healthy' : 'unhealthy'
  } catch {
    return 'unhealthy'
  }
}

export interface HealthProberOptions {
  readonly book: AddressBook
  readonly intervalMs: number
  /** The instance URLs configured right now (read on every round, so API changes are followed). */
  readonly instanceUrls: () => ReadonlySet<string>
  /** After every round, and whenever health changed outside a round. */
  readonly onRound: () => void
  readonly logger: Logger
}

/**
 * Probes every engine address in the background, one round per interval (rounds never overlap; timers are
 * unref'd so they never hold the process open). Each round first re-reads the configured instances and
 * re-resolves host names, so new pods are probed in the round that finds them.
 */
export class HealthProber {
  readonly #options: HealthProberOptions
  readonly #stop = new AbortController()
  readonly #timeoutMs: number
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #again = false

  constructor(options: HealthProberOptions) {
    this.#options = options
    this.#timeoutMs = Math.min(
      MAX_PROBE_TIMEOUT_MS,
      Math.max(MIN_PROBE_TIMEOUT_MS, options.intervalMs),
    )
  }

  /** Starts the first round now. */
  start(): void {
    this.soon()
  }

  /** Runs a round as soon as possible (an instance URL nobody has probed yet appeared). */
  soon(): void {
    if (this.#stop.signal.aborted) {
      return
    }
    if (this.#running !== undefined) {
      this.#again = true
      return
    }
    this.#schedule(0)
  }

  /**
   * Stops probing. Probes in flight are aborted at once; a round still waiting for DNS is not awaited (a lookup
   * cannot be cancelled and must not hold up shutdown): it sees the stop and probes nothing.
   */
  stop(): void {
    this.#stop.abort()
    clearTimeout(this.#timer)
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#running = this.#round().finally(() => {
        this.#running = undefined
        if (!this.#stop.signal.aborted) {
          this.#schedule(this.#again ? 0 : this.#options.intervalMs)
          this.#again = false
        }
      })
    }, ms)
    this.#timer.unref()
  }

  async #round(): Promise<void> {
    const { book, logger } = this.#options
    try {
      await book.refresh(this.#options.instanceUrls())
      if (this.#stop.signal.aborted) {
        return // the pools are being closed: opening connections now would leak them
      }
      const addresses = [...book.addresses()]
      const results = await Promise.all(
        addresses.map((a) =>
          probeHealth(
            a,
            AbortSignal.any([this.#stop.signal, AbortSignal.timeout(this.#timeoutMs)]),
          ),
        ),
      )
      if (this.#stop.signal.aborted) {
        return
      }
      addresses.forEach((address, i) => {
        const health = results[i] ?? 'unhealthy'
        if (address.setHealth(health)) {
          logger.info({ instance: address.key, health }, 'engine instance health changed')
        }
      })
      this.#options.onRound()
    } catch (err) {
      logger.error({ err }, 'health probe round failed')
    }
  }
}

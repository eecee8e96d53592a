// STUB (proxy helper replaces this file): one undici Pool per engine instance, DESIGN §6.
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Metrics } from '../observability/metrics.js'

export interface UpstreamPoolOptions {
  config: Config
  logger: Logger
  metrics: Metrics
}

export interface UpstreamPool {
  close(): Promise<void>
}

export function createUpstreamPool(_options: UpstreamPoolOptions): UpstreamPool {
  return { close: async () => {} }
}

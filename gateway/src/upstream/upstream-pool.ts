// STUB (proxy helper replaces this file): one undici Pool per engine instance, DESIGN §6.
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Metrics } from '../observability/metrics.js'

export interface UpstreamPoolOptions {
  config: Config
  logger: Logger
  metrics: Metrics
}

/** Live state of one engine instance, as shown in /v2/models responses. */
export type InstanceHealth = 'healthy' | 'unhealthy' | 'unknown'

export interface UpstreamPool {
  /** The instance's current health; 'unknown' before the first probe. */
  healthOf(instanceUrl: string): InstanceHealth
  close(): Promise<void>
}

export function createUpstreamPool(_options: UpstreamPoolOptions): UpstreamPool {
  return { healthOf: () => 'unknown', close: async () => {} }
}

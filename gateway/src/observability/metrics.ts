import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import { HotCounter, HotGauge, HotHistogram } from './hot-metrics.js'

/**
 * Every metric the gateway exports. Labels are bounded: routes are route patterns, models configured names. Those
 * updated on every request are hot-metrics.ts's (same exposition, a fraction of the cost); the rest prom-client's.
 */
export interface Metrics {
  readonly registry: Registry
  readonly requests: HotCounter<'route' | 'model' | 'status'>
  readonly requestDuration: HotHistogram<'route' | 'model'>
  readonly timeToFirstToken: HotHistogram<'model'>
  readonly tokens: HotCounter<'model' | 'kind'>
  readonly auth: HotCounter<'result'>
  readonly keyCacheEntries: Gauge
  readonly keyCacheRefreshAge: Gauge
  readonly keysExpiringSoon: Gauge
  readonly upstreamUp: Gauge<'model' | 'instance'>
  readonly inflight: HotGauge<'model'>
  readonly usageDropped: Counter
}

/** Sources of gauge values that live elsewhere (the key cache); read at scrape time. */
export interface MetricSources {
  keyCacheEntries(): number
  keyCacheRefreshAgeSeconds(): number
  /** Active keys expiring within the next 7 days, installation-wide (one count query per scrape). */
  keysExpiringSoon(): Promise<number>
}

/** A scrape never waits longer than this for the database; it then reports the last count it had. */
const SCRAPE_QUERY_BUDGET_MS = 1_000

/** The count, or `fallback` when the query fails or is slow (the database is away): /metrics keeps answering. */
async function withinBudget(query: () => Promise<number>, fallback: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(fallback), SCRAPE_QUERY_BUDGET_MS)
  })
  try {
    return await Promise.race([query().catch(() => fallback), late])
  } finally {
    clearTimeout(timer)
  }
}

export function createMetrics(): Metrics & { bindSources(sources: MetricSources): void } {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  let sources: MetricSources | undefined
  let expiringSoon = 0
  const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
  return {
    registry,
    requests: new HotCounter({
      name: 'keygate_requests_total',
      help: 'Requests answered, by route pattern, model and status',
      labelNames: ['route', 'model', 'status'],
      registers: [registry],
    }),
    requestDuration: new HotHistogram({
      name: 'keygate_request_duration_seconds',
      help: 'Time from request to the end of the response body',
      labelNames: ['route', 'model'],
      buckets: latencyBuckets,
      registers: [registry],
    }),
    timeToFirstToken: new HotHistogram({
      name: 'keygate_time_to_first_token_seconds',
      help: 'Time from request to the first streamed token',
      labelNames: ['model'],
      buckets: latencyBuckets,
      registers: [registry],
    }),
    tokens: new HotCounter({
      name: 'keygate_tokens_total',
      help: 'Tokens reported by engines, by kind (prompt, completion)',
      labelNames: ['model', 'kind'],
      registers: [registry],
    }),
    auth: new HotCounter({
      name: 'keygate_auth_total',
      help: 'Authentication outcomes',
      labelNames: ['result'],
      registers: [registry],
    }),
    keyCacheEntries: new Gauge({
      name: 'keygate_key_cache_entries',
      help: 'Entries in the in-process key cache (including cached negatives)',
      registers: [registry],
      collect() {
        this.set(sources?.keyCacheEntries() ?? 0)
      },
    }),
    keyCacheRefreshAge: new Gauge({
      name: 'keygate_key_cache_refresh_age_seconds',
      help: 'Seconds since the key cache last caught up with the database',
      registers: [registry],
      collect() {
        this.set(sources?.keyCacheRefreshAgeSeconds() ?? 0)
      },
    }),
    keysExpiringSoon: new Gauge({
      name: 'keygate_api_keys_expiring_soon',
      help: 'Active API keys that expire within the next 7 days (the same count on every replica)',
      registers: [registry],
      async collect() {
        const current = sources
        if (current !== undefined) {
          expiringSoon = await withinBudget(() => current.keysExpiringSoon(), expiringSoon)
        }
        this.set(expiringSoon)
      },
    }),
    upstreamUp: new Gauge({
      name: 'keygate_upstream_up',
      help: '1 when the engine instance is healthy, 0 otherwise',
      labelNames: ['model', 'instance'],
      registers: [registry],
    }),
    inflight: new HotGauge({
      name: 'keygate_inflight_requests',
      help: 'Requests being served, by model',
      labelNames: ['model'],
      registers: [registry],
    }),
    usageDropped: new Counter({
      name: 'keygate_usage_dropped_total',
      help: 'Usage records dropped because the in-memory buffer was full while the database was away',
      registers: [registry],
    }),
    bindSources(s: MetricSources) {
      sources = s
    },
  }
}

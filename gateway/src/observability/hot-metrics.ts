import type { Registry } from 'prom-client'

/**
 * Counters, gauges and histograms for the request path, registered in prom-client's registry and exposed in its
 * format. prom-client's own `inc`/`observe` hash and validate the label object, and build a closure, on every
 * call: several per proxied request, a few percent of the proxy's CPU (bench/RESULTS.md). Here a label set is found
 * through one Map level per label value (labels are bounded: route patterns, configured model names, statuses),
 * and the numbers are plain fields until a scrape reads them.
 */

type Labels<L extends string> = Readonly<Record<L, string>>

interface MetricValue {
  readonly labels: Record<string, string | number>
  readonly value: number
  readonly metricName?: string
}

/** What prom-client's Registry reads from a metric (Registry.getMetricsAsString). */
interface ExposedMetric {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge' | 'histogram'
  readonly values: MetricValue[]
  readonly aggregator: 'sum'
}

interface MetricOptions<L extends string> {
  readonly name: string
  readonly help: string
  readonly labelNames: readonly L[]
  readonly registers: readonly Registry[]
}

/** The entries of one metric, one per label set, created on first use. */
abstract class HotMetric<L extends string, E extends { readonly labels: Labels<L> }> {
  readonly name: string
  readonly help: string
  readonly #labelNames: readonly L[]
  /** Label values, one map level per label name in order; the last level holds the entries. */
  #tree = new Map<string, unknown>()
  #entries: E[] = []

  constructor(options: MetricOptions<L>) {
    this.name = options.name
    this.help = options.help
    this.#labelNames = options.labelNames
    for (const registry of options.registers) {
      // The registry only reads name, type and get(); see ExposedMetric.
      registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0])
    }
  }

  abstract get type(): ExposedMetric['type']

  protected abstract create(labels: Labels<L>): E

  protected abstract valuesOf(entry: E): MetricValue[]

  protected entry(labels: Labels<L>): E {
    const names = this.#labelNames
    let level = this.#tree
    const last = names.length - 1
    for (let i = 0; i < last; i++) {
      const value = labels[names[i] as L]
      let next = level.get(value) as Map<string, unknown> | undefined
      if (next === undefined) {
        next = new Map()
        level.set(value, next)
      }
      level = next
    }
    const leaf = last < 0 ? '' : labels[names[last] as L]
    let entry = level.get(leaf) as E | undefined
    if (entry === undefined) {
      const own = {} as Record<L, string>
      for (const name of names) {
        own[name] = labels[name]
      }
      entry = this.create(own)
      level.set(leaf, entry)
      this.#entries.push(entry)
    }
    return entry
  }

  async get(): Promise<ExposedMetric> {
    if (this.#labelNames.length === 0 && this.#entries.length === 0) {
      this.entry({} as Labels<L>) // like prom-client, a metric without labels shows its zero
    }
    const values: MetricValue[] = []
    for (const entry of this.#entries) {
      values.push(...this.valuesOf(entry))
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' }
  }

  reset(): void {
    this.#tree = new Map()
    this.#entries = []
  }
}

interface ValueEntry<L extends string> {
  readonly labels: Labels<L>
  value: number
}

/** A metric that is one number per label set. */
abstract class ValueMetric<L extends string> extends HotMetric<L, ValueEntry<L>> {
  protected create(labels: Labels<L>): ValueEntry<L> {
    return { labels, value: 0 }
  }

  protected valuesOf(e: ValueEntry<L>): MetricValue[] {
    return [{ labels: e.labels, value: e.value }]
  }
}

export class HotCounter<L extends string> extends ValueMetric<L> {
  get type() {
    return 'counter' as const
  }

  inc(labels: Labels<L>, value = 1): void {
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new Error(`${this.name}: a counter increment must be finite and ≥ 0, got ${value}`)
    }
    this.entry(labels).value += value
  }
}

export class HotGauge<L extends string> extends ValueMetric<L> {
  get type() {
    return 'gauge' as const
  }

  inc(labels: Labels<L>, value = 1): void {
    this.entry(labels).value += value
  }

  dec(labels: Labels<L>, value = 1): void {
    this.entry(labels).value -= value
  }
}

interface HistogramEntry<L extends string> {
  readonly labels: Labels<L>
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: number[]
  sum: number
  count: number
}

export class HotHistogram<L extends string> extends HotMetric<L, HistogramEntry<L>> {
  readonly #bounds: readonly number[]

  constructor(options: MetricOptions<L> & { readonly buckets: readonly number[] }) {
    super(options)
    this.#bounds = [...options.buckets].sort((a, b) => a - b)
  }

  get type() {
    return 'histogram' as const
  }

  observe(labels: Labels<L>, value: number): void {
    if (!Number.isFinite(value)) {
      throw new Error(`${this.name}: an observation must be finite, got ${value}`)
    }
    const e = this.entry(labels)
    const bounds = this.#bounds
    let i = 0
    while (i < bounds.length && value > (bounds[i] as number)) {
      i++
    }
    e.counts[i] = (e.counts[i] as number) + 1
    e.sum += value
    e.count++
  }

  protected create(labels: Labels<L>): HistogramEntry<L> {
    return { labels, counts: new Array<number>(this.#bounds.length + 1).fill(0), sum: 0, count: 0 }
  }

  protected valuesOf(e: HistogramEntry<L>): MetricValue[] {
    const out: MetricValue[] = []
    let cumulative = 0
    this.#bounds.forEach((le, i) => {
      cumulative += e.counts[i] as number
      out.push({
        labels: { le, ...e.labels },
        value: cumulative,
        metricName: `${this.name}_bucket`,
      })
    })
    out.push({
      labels: { le: '+Inf', ...e.labels },
      value: e.count,
      metricName: `${this.name}_bucket`,
    })
    out.push({ labels: e.labels, value: e.sum, metricName: `${this.name}_sum` })
    out.push({ labels: e.labels, value: e.count, metricName: `${this.name}_count` })
    return out
  }
}

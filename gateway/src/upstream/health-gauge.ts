import type { Gauge } from 'prom-client'
import type { ModelTarget } from '../models/model-registry.js'
import type { AddressBook } from './address-book.js'

/**
 * Rewrites `keygate_upstream_up{model,instance}` from scratch: 1 for a healthy address, 0 otherwise. `instance`
 * is the address (the instance URL itself, or one resolved address of a host name), so a pod that left DNS
 * leaves the metric too and the series stay bounded by what is configured and running. Synchronous, so a scrape
 * never sees the gauge half rewritten.
 */
export function publishHealth(
  gauge: Gauge<'model' | 'instance'>,
  models: readonly ModelTarget[],
  book: AddressBook,
): void {
  gauge.reset()
  for (const m of models) {
    for (const i of m.instances) {
      for (const a of book.resolutionOf(i.url).addresses) {
        gauge.set({ model: m.name, instance: a.key }, a.health === 'healthy' ? 1 : 0)
      }
    }
  }
}

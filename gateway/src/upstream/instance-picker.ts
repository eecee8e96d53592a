import type { InstanceTarget } from '../models/model-registry.js'
import type { InstanceHealth } from './instance-health.js'

/** What the picker reads of an engine address. */
export interface AddressState {
  readonly health: InstanceHealth
  /** Requests in flight there (across every model served there). */
  readonly outstanding: number
}

/** One place a request for an instance can go: the instance (weight, engine key) at one of its addresses. */
export interface Endpoint<A extends AddressState = AddressState> {
  readonly instance: InstanceTarget
  readonly address: A
}

/**
 * Least outstanding requests, weighted: the endpoint with the smallest outstanding/weight wins.
 * Healthy addresses come first; addresses not probed yet ('unknown': a fresh gateway, a pod that just appeared)
 * are used only when no healthy one exists; unhealthy ones never. Ties go round-robin from `rotation`, so idle
 * instances share the load. `avoid` (the address that just failed) is skipped. One pass, no allocation.
 */
export function pickEndpoint<A extends AddressState>(
  instances: readonly InstanceTarget[],
  endpointsOf: (instance: InstanceTarget) => readonly Endpoint<A>[],
  rotation: number,
  avoid?: A,
): Endpoint<A> | undefined {
  let best: Endpoint<A> | undefined
  let bestLoad = Number.POSITIVE_INFINITY
  let bestIsHealthy = false
  const n = instances.length
  for (let i = 0; i < n; i++) {
    const inst = instances[(rotation + i) % n]
    if (inst === undefined || inst.weight <= 0) {
      continue
    }
    const endpoints = endpointsOf(inst)
    const m = endpoints.length
    for (let j = 0; j < m; j++) {
      const ep = endpoints[(rotation + j) % m]
      if (ep === undefined || ep.address === avoid) {
        continue
      }
      const health = ep.address.health
      if (health === 'unhealthy' || (bestIsHealthy && health !== 'healthy')) {
        continue
      }
      const load = ep.address.outstanding / inst.weight
      if (load < bestLoad || (health === 'healthy' && !bestIsHealthy)) {
        best = ep
        bestLoad = load
        bestIsHealthy = health === 'healthy'
      }
    }
  }
  return best
}

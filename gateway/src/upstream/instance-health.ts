/** Live state of one engine address, or of an instance URL (the aggregate of its addresses), in /v2/models. */
export type InstanceHealth = 'healthy' | 'unhealthy' | 'unknown'

/**
 * An instance URL that resolves to several addresses is healthy when any of them is (it can take traffic),
 * unknown when none is healthy but some were not probed yet, and unhealthy otherwise, including when its name
 * resolves to no address at all.
 */
export function aggregateHealth(states: Iterable<InstanceHealth>): InstanceHealth {
  let sawUnknown = false
  for (const s of states) {
    if (s === 'healthy') {
      return 'healthy'
    }
    sawUnknown ||= s === 'unknown'
  }
  return sawUnknown ? 'unknown' : 'unhealthy'
}

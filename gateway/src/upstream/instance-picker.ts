import type { InstanceTarget } from '../models/model-registry.js'

export interface PickerState {
  /** Requests in flight to this URL (across every model served there). */
  outstanding(url: string): number
  isEligible(url: string): boolean
}

/**
 * Least outstanding requests, weighted: the instance with the smallest outstanding/weight wins (DESIGN §6).
 * Ties go round-robin from `rotation`, so idle instances share the load instead of the first taking it all.
 */
export function pickInstance(
  instances: readonly InstanceTarget[],
  state: PickerState,
  rotation: number,
): InstanceTarget | undefined {
  let best: InstanceTarget | undefined
  let bestLoad = Number.POSITIVE_INFINITY
  const n = instances.length
  for (let i = 0; i < n; i++) {
    const inst = instances[(rotation + i) % n]
    if (inst === undefined || inst.weight <= 0 || !state.isEligible(inst.url)) {
      continue
    }
    const load = state.outstanding(inst.url) / inst.weight
    if (load < bestLoad) {
      best = inst
      bestLoad = load
    }
  }
  return best
}

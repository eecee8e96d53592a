/** Live state of one engine instance, as shown in /v2/models responses. */
export type InstanceHealth = 'healthy' | 'unhealthy' | 'unknown'

/**
 * What the gateway currently believes about each instance, by URL. The picker consults it; for now nothing
 * writes to it, so every instance is 'unknown' (eligible). Background probing and marking an instance down
 * after connection errors plug in here (DESIGN §6).
 */
export class InstanceHealthStore {
  readonly #states = new Map<string, InstanceHealth>()

  get(url: string): InstanceHealth {
    return this.#states.get(url) ?? 'unknown'
  }

  set(url: string, health: InstanceHealth): void {
    this.#states.set(url, health)
  }

  /** May a request be sent there? Unknown counts as yes: a fresh gateway must serve before its first probe. */
  isEligible(url: string): boolean {
    return this.get(url) !== 'unhealthy'
  }
}

import type { Principal } from '../auth/principal.js'
import type { AccessPolicy } from '../db/tables.js'

/** What the access rule needs to know about one model. */
export interface AccessControlled {
  readonly name: string
  readonly accessPolicy: AccessPolicy
  /** Users granted the model; only consulted when accessPolicy is 'allowed_users'. */
  readonly allowedUserIds: ReadonlySet<number>
}

/** Every model loaded, indexed for the hot path; replaced as a whole, never mutated. */
export interface ModelSnapshot<M extends AccessControlled> {
  readonly byName: ReadonlyMap<string, M>
  readonly byId: ReadonlyMap<number, M>
  /** All models sorted by name. */
  readonly sorted: readonly M[]
}

export function buildSnapshot<M extends AccessControlled & { readonly id: number }>(
  models: readonly M[],
): ModelSnapshot<M> {
  const sorted = [...models].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return {
    byName: new Map(sorted.map((m) => [m.name, m])),
    byId: new Map(sorted.map((m) => [m.id, m])),
    sorted,
  }
}

/**
 * May the principal's owner use the model? Admins may use every model (they can grant themselves any model anyway,
 * so hiding one from them protects nothing); 'authed' opens a model to every active user (a principal only exists
 * for an active user); 'allowed_users' only to granted users.
 */
export function ownerMayUse(model: AccessControlled, principal: Principal): boolean {
  if (principal.isAdmin || model.accessPolicy === 'authed') {
    return true
  }
  return model.allowedUserIds.has(principal.userId)
}

/** The key's allowlist; null (or empty, "empty = every model the owner may use") lets everything pass. */
export function keyAllows(principal: Principal, name: string): boolean {
  const allowed = principal.allowedModelNames
  return allowed === null || allowed.size === 0 || allowed.has(name)
}

/** (models the owner may use) ∩ (the key's allowlist). */
export function mayUse(model: AccessControlled, principal: Principal): boolean {
  return keyAllows(principal, model.name) && ownerMayUse(model, principal)
}

/** The model called `name` if the principal may use it; unknown and forbidden are both undefined. */
export function resolveIn<M extends AccessControlled>(
  snapshot: ModelSnapshot<M>,
  principal: Principal,
  name: string,
): M | undefined {
  const model = snapshot.byName.get(name)
  return model !== undefined && mayUse(model, principal) ? model : undefined
}

/** Exactly the models resolveIn() accepts for the principal, sorted by name. */
export function listIn<M extends AccessControlled>(
  snapshot: ModelSnapshot<M>,
  principal: Principal,
): M[] {
  return snapshot.sorted.filter((m) => mayUse(m, principal))
}

import type { Scope } from '../db/tables.js'
import type { LimitSubject } from '../limits/limit-policy.js'
import type { AddressAllowlist } from './address-allowlist.js'

/** Who is calling, as resolved from a bearer key or a session cookie; immutable and cached with the key. */
export interface Principal {
  readonly userId: number
  readonly username: string
  readonly isAdmin: boolean
  /** The API key's id, or null when the caller is a UI session. */
  readonly keyId: number | null
  /** A session has both scopes; a key has what it was given (maybe none). */
  readonly scope: ReadonlySet<Scope>
  /** The key's allowlist; null means every model the owner may use. */
  readonly allowedModelNames: ReadonlySet<string> | null
  /**
   * The key's and its owner's limits (limits/limit-policy.ts buildLimitSubjects), built once per cached key; the
   * shared empty array when neither sets one, so an unlimited request costs one length check.
   */
  readonly limits: readonly LimitSubject[]
  /** The key's client address allowlist, parsed once when the key was cached; null means anywhere (and sessions). */
  readonly allowedAddresses: AddressAllowlist | null
}

export const ALL_SCOPES: ReadonlySet<Scope> = new Set<Scope>(['management', 'inference'])

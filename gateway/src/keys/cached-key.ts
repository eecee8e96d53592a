import { createAddressAllowlist } from '../auth/address-allowlist.js'
import type { KeyVerifyResult } from '../auth/identify.js'
import type { Principal } from '../auth/principal.js'
import type { Scope } from '../db/tables.js'
import { buildLimitPolicy, buildLimitSubjects } from '../limits/limit-policy.js'
import { type KeyPolicyRow, ownerLimitFields } from './key-repository.js'

/** What KeyCache holds for one key hash. */
export interface CachedKey {
  /** Built once per load and returned as is on every hit (no allocation on the hot path); never mutated. */
  readonly result: KeyVerifyResult
  readonly userId: number
  /** Epoch ms; null = never. Compared with the clock on every request, never folded into the cache's TTL. */
  readonly expiresAtMs: number | null
  /** Clock time from which a hit starts a background re-read; moved on by each attempt. */
  refreshAtMs: number
}

const DISABLED: KeyVerifyResult = Object.freeze({ ok: false, reason: 'disabled' })
const OWNER_INACTIVE: KeyVerifyResult = Object.freeze({ ok: false, reason: 'owner_inactive' })

/** Builds the entry for a policy row once, so that every hit returns the same frozen result. */
export function toCachedKey(row: KeyPolicyRow, refreshAtMs: number): CachedKey {
  const allowed = row.allowed_model_names
  const principal: Principal = Object.freeze({
    userId: row.user_id,
    username: row.username,
    isAdmin: row.is_admin,
    keyId: row.id,
    scope: new Set<Scope>(row.scope),
    allowedModelNames: allowed.length === 0 ? null : new Set(allowed),
    limits: buildLimitSubjects({
      keyId: row.id,
      keyPolicy: buildLimitPolicy(row),
      userId: row.user_id,
      userPolicy: buildLimitPolicy(ownerLimitFields(row)),
    }),
    // Parsed here, once per load: a request pays one lookup.
    allowedAddresses: createAddressAllowlist(row.allowed_ips),
  })
  return {
    result: !row.is_active
      ? DISABLED
      : row.owner_active
        ? Object.freeze({ ok: true, principal })
        : OWNER_INACTIVE,
    userId: row.user_id,
    expiresAtMs: row.expires_at === null ? null : row.expires_at.getTime(),
    refreshAtMs,
  }
}

import { type Kysely, sql } from 'kysely'
import type { Tables } from '../db/tables.js'
import type { InstallationSettings } from '../settings/settings-schema.js'

/**
 * The lifetime policy (settings `max_key_lifetime_days`, `allow_never_expiring`), applied to every write that sets
 * an expiry: creation, and a PUT of `expires_at`. The cap counts from the write: no write may set an expiry more
 * than that many days ahead. Keys that were beyond the policy when it changed keep working; they are counted
 * (GET /v2/settings), never changed.
 */

type LifetimePolicy = Pick<InstallationSettings, 'max_key_lifetime_days' | 'allow_never_expiring'>

export type ExpiryCheck = { ok: true } | { ok: false; message: string }

const DAY_MS = 86_400_000

export function checkExpiryAgainstPolicy(
  expiresAt: Date | null,
  policy: LifetimePolicy,
  nowMs: number,
): ExpiryCheck {
  const maxDays = policy.max_key_lifetime_days
  if (expiresAt === null) {
    if (!policy.allow_never_expiring) {
      return {
        ok: false,
        message: `Keys must expire: this installation does not allow never-expiring keys${
          maxDays === null ? '' : ` (the longest lifetime is ${maxDays} days)`
        }.`,
      }
    }
    return { ok: true }
  }
  if (maxDays !== null && expiresAt.getTime() > nowMs + maxDays * DAY_MS) {
    return {
      ok: false,
      message: `A key may not expire more than ${maxDays} days ahead (max_key_lifetime_days = ${maxDays}).`,
    }
  }
  return { ok: true }
}

/** Keys the policy would refuse today: never-expiring ones where that is not allowed, and those expiring too late. */
export async function countKeysBeyondPolicy(
  db: Kysely<Tables>,
  policy: LifetimePolicy,
  now: Date,
): Promise<number> {
  const maxDays = policy.max_key_lifetime_days
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) =>
      eb.or([
        policy.allow_never_expiring ? sql<boolean>`false` : eb('expires_at', 'is', null),
        maxDays === null
          ? sql<boolean>`false`
          : eb('expires_at', '>', new Date(now.getTime() + maxDays * DAY_MS)),
      ]),
    )
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

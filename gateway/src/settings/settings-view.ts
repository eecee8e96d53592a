import type { Kysely } from 'kysely'
import type { Tables } from '../db/tables.js'
import { countKeysBeyondPolicy } from '../keys/key-lifetime-policy.js'
import type { InstallationSettings } from './settings-schema.js'

/**
 * GET/PUT /v2/settings answer: every setting as a top-level member (PUT takes any subset of the same members),
 * plus `report`, read-only facts about how the installation stands against them. A new setting is a new member;
 * a new fact a new member of `report`.
 */
export type SettingsJson = Flat<
  InstallationSettings & {
    report: {
      /** Keys the lifetime policy would refuse today (kept working, never changed). */
      keys_beyond_lifetime_policy: number
    }
  }
>

type Flat<T> = { [K in keyof T]: T[K] }

export async function toSettingsJson(
  db: Kysely<Tables>,
  settings: InstallationSettings,
  now: Date,
): Promise<SettingsJson> {
  return {
    ...settings,
    report: { keys_beyond_lifetime_policy: await countKeysBeyondPolicy(db, settings, now) },
  }
}

import { type Kysely, sql } from 'kysely'
import type { Tables } from '../db/tables.js'

/**
 * Copies the key's current name and owner into all of its usage rows, inside the transaction that deletes the key
 * (`{ keyId }`) or its owner (`{ userId }`: all their keys), before the delete. usage_daily has no foreign key to
 * api_keys: these snapshots are what /v2/usage reports for a key that is gone.
 */
export async function snapshotUsageOwners(
  db: Kysely<Tables>,
  of: { keyId: number } | { userId: number },
): Promise<void> {
  const which = 'keyId' in of ? sql`k.id = ${of.keyId}` : sql`k.user_id = ${of.userId}`
  await sql`
    update usage_daily u set api_key_name = k.name, user_id = k.user_id, username = o.username
    from api_keys k join users o on o.id = k.user_id
    where k.id = u.api_key_id and ${which}
  `.execute(db)
}

import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Tables } from '../db/tables.js'

const SETTING_KEY = 'session_secret'

/**
 * The HS256 key for UI sessions: KEYGATE_SESSION_SECRET when configured, else 32 random bytes generated once and
 * kept in `settings`. Replicas starting together race on the insert; `on conflict do nothing` and reading back make
 * them all use the winner's value, so a session issued by one replica is valid on every other.
 */
export async function loadSessionSecret(
  db: Kysely<Tables>,
  configured: string | undefined,
): Promise<Uint8Array> {
  if (configured !== undefined) {
    return new TextEncoder().encode(configured)
  }
  await db
    .insertInto('settings')
    .values({ key: SETTING_KEY, value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute()
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', SETTING_KEY)
    .executeTakeFirstOrThrow()
  const secret = Buffer.from(row.value, 'base64url')
  if (secret.length < 32) {
    throw new Error(
      'settings.session_secret is shorter than 32 bytes; delete the row to regenerate it',
    )
  }
  return new Uint8Array(secret)
}

import { type Kysely, sql } from 'kysely'

/**
 * Key lifecycle: rotation with a grace period (the previous value's hash and when it stops working), free-form
 * metadata, and a per-key client address allowlist. All columns are nullable or have a default, so the previous
 * release (which neither reads nor writes them) runs beside this one during a rolling upgrade; it only does not
 * accept a rotated key's previous value during its grace period.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE api_keys ADD COLUMN previous_key_hash text`.execute(db)
  await sql`ALTER TABLE api_keys ADD COLUMN previous_key_expires_at timestamptz`.execute(db)
  await sql`ALTER TABLE api_keys ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}'`.execute(db)
  await sql`ALTER TABLE api_keys ADD COLUMN allowed_ips text[] NOT NULL DEFAULT '{}'`.execute(db)
  await sql`CREATE UNIQUE INDEX api_keys_previous_key_hash_idx ON api_keys (previous_key_hash)`.execute(
    db,
  )
}

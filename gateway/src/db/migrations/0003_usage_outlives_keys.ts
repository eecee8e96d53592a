import { type Kysely, sql } from 'kysely'

/**
 * Usage outlives the key (and the user) it counts: usage_daily no longer cascades from api_keys, and each row keeps
 * what it needs to be reported once its key is gone: the key's name, its owner's id and username (snapshots, filled
 * at every write and again when the key or its owner is deleted; usage/usage-snapshot.ts). Existing rows get them
 * here. Safe beside the previous release: it writes only rows of existing keys (`where exists`) and never reads the
 * new nullable columns; its reports join api_keys, so there a deleted key's usage is simply not listed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The constraint's name is Postgres's default on every database this release adopts, but look it up anyway.
  await sql`DO $$
    DECLARE c record;
    BEGIN
      FOR c IN SELECT conname FROM pg_constraint
        WHERE conrelid = 'usage_daily'::regclass AND contype = 'f'
      LOOP
        EXECUTE format('ALTER TABLE usage_daily DROP CONSTRAINT %I', c.conname);
      END LOOP;
    END $$`.execute(db)
  await sql`ALTER TABLE usage_daily ADD COLUMN api_key_name text`.execute(db)
  await sql`ALTER TABLE usage_daily ADD COLUMN user_id bigint`.execute(db)
  await sql`ALTER TABLE usage_daily ADD COLUMN username text`.execute(db)
  await sql`UPDATE usage_daily u SET api_key_name = k.name, user_id = k.user_id, username = o.username
    FROM api_keys k JOIN users o ON o.id = k.user_id
    WHERE k.id = u.api_key_id`.execute(db)
}

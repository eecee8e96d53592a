import { type Kysely, sql } from 'kysely'

/**
 * Which proxied routes a model serves (`/v1/messages`, `/v1/audio/transcriptions`, …): null keeps its backend's
 * defaults (models/model-routes.ts), so existing models behave as before. A nullable column: the previous release
 * neither reads nor writes it, so both run side by side during a rolling upgrade.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE models ADD COLUMN routes text[]`.execute(db)
}

import { type Kysely, sql } from 'kysely'

/**
 * Price history per model: one row per change, in force from `effective_from` until the next row of the model.
 * A null price means that side is not priced from then on (both null: the model has no price). A new table: the
 * previous release neither reads nor writes it, so both run side by side during a rolling upgrade.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE model_prices (
      id bigserial PRIMARY KEY,
      model_id bigint NOT NULL REFERENCES models (id) ON DELETE CASCADE,
      effective_from timestamptz NOT NULL DEFAULT now(),
      input_price_per_mtok numeric,
      output_price_per_mtok numeric
    )
  `.execute(db)
  await sql`CREATE INDEX model_prices_model_from_idx ON model_prices (model_id, effective_from)`.execute(
    db,
  )
}

import { type Kysely, sql } from 'kysely'
import type { Tables } from '../db/tables.js'

/**
 * A model's price per million tokens, kept as a history (table model_prices): every change adds a row in force
 * from its write on, so usage already charged keeps the price of its day (docs/usage.md).
 */
export interface ModelPrice {
  /** Per million prompt (input) tokens; null = not priced. */
  readonly inputPerMtok: number | null
  /** Per million completion (output) tokens; null = not priced. */
  readonly outputPerMtok: number | null
}

export const NO_PRICE: ModelPrice = { inputPerMtok: null, outputPerMtok: null }

/** The price in force now, per model id; models that never had one are absent. */
export async function listCurrentPrices(db: Kysely<Tables>): Promise<Map<number, ModelPrice>> {
  const rows = await sql<{ model_id: number; input: number | null; output: number | null }>`
    select distinct on (model_id) model_id,
      input_price_per_mtok::float8 as input, output_price_per_mtok::float8 as output
    from model_prices
    order by model_id, effective_from desc, id desc
  `.execute(db)
  return new Map(
    rows.rows.map((r) => [
      Number(r.model_id),
      { inputPerMtok: toPrice(r.input), outputPerMtok: toPrice(r.output) },
    ]),
  )
}

/** The price in force now for one model (inside a write's transaction). */
export async function currentPrice(db: Kysely<Tables>, modelId: number): Promise<ModelPrice> {
  const row = await sql<{ input: number | null; output: number | null }>`
    select input_price_per_mtok::float8 as input, output_price_per_mtok::float8 as output
    from model_prices where model_id = ${modelId}
    order by effective_from desc, id desc limit 1
  `.execute(db)
  const r = row.rows[0]
  return r === undefined
    ? NO_PRICE
    : { inputPerMtok: toPrice(r.input), outputPerMtok: toPrice(r.output) }
}

/** Adds a history row in force from now (the transaction's time) if the price differs from the current one. */
export async function changePrice(
  db: Kysely<Tables>,
  modelId: number,
  next: ModelPrice,
): Promise<boolean> {
  const now = await currentPrice(db, modelId)
  if (now.inputPerMtok === next.inputPerMtok && now.outputPerMtok === next.outputPerMtok) {
    return false
  }
  await db
    .insertInto('model_prices')
    .values({
      model_id: modelId,
      input_price_per_mtok: next.inputPerMtok,
      output_price_per_mtok: next.outputPerMtok,
    })
    .execute()
  return true
}

function toPrice(v: number | string | null): number | null {
  return v === null ? null : Number(v)
}

import { type Kysely, sql } from 'kysely'
import type { Tables } from '../db/tables.js'

/** One key's usage over whole UTC days from `fromDay` (YYYY-MM-DD) on: what its budget period has used so far. */
export async function readKeyUseSince(
  db: Kysely<Tables>,
  keyId: number,
  fromDay: string,
): Promise<{ requests: number; tokens: number; refused: number }> {
  const row = await sql<{ requests: number; tokens: number; refused: number }>`
    select
      coalesce(sum(requests), 0)::bigint as requests,
      coalesce(sum(prompt_tokens + completion_tokens), 0)::bigint as tokens,
      coalesce(sum(refused), 0)::bigint as refused
    from usage_daily
    where api_key_id = ${keyId} and day >= ${fromDay}::date
  `.execute(db)
  const r = row.rows[0]
  return {
    requests: Number(r?.requests ?? 0),
    tokens: Number(r?.tokens ?? 0),
    refused: Number(r?.refused ?? 0),
  }
}

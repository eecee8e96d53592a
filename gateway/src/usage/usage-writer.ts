import { type Kysely, sql } from 'kysely'
import type { Tables } from '../db/tables.js'
import type { UsageRow } from './usage-buffer.js'

/** Rows per statement: 8 parameters each, far below Postgres's 65,535-parameter limit. */
export const WRITE_BATCH_ROWS = 1000

/**
 * Adds `rows` to usage_daily and moves each key's last_used_at forward, in one transaction, so a failed write can be
 * retried whole without counting anything twice. Each row carries its key's name and owner (snapshots, for when the
 * key is gone): from api_keys while the key exists, else from the key's earlier usage rows (usage of a key deleted
 * since the request). A row of a key the database never saw is skipped, so it cannot make the batch fail.
 */
export async function writeUsage(db: Kysely<Tables>, rows: readonly UsageRow[]): Promise<void> {
  if (rows.length === 0) {
    return
  }
  const values = sql.join(
    rows.map(
      (r) =>
        sql`(${r.keyId}::bigint, ${r.model}::text, ${r.day}::date, ${r.requests}::bigint, ${r.promptTokens}::bigint, ${r.completionTokens}::bigint, ${r.errors}::bigint, ${r.refused}::bigint)`,
    ),
  )
  const lastUsed = sql.join(
    lastUsedByKey(rows).map(
      ([keyId, ms]) => sql`(${keyId}::bigint, ${new Date(ms).toISOString()}::timestamptz)`,
    ),
  )
  await db.transaction().execute(async (tx) => {
    await sql`
      insert into usage_daily (api_key_id, model, day, requests, prompt_tokens, completion_tokens, errors,
        refused, api_key_name, user_id, username)
      select v.*, coalesce(k.name, p.api_key_name), coalesce(k.user_id, p.user_id), coalesce(o.username, p.username)
      from (values ${values}) as v (api_key_id, model, day, requests, prompt_tokens, completion_tokens, errors,
        refused)
      left join api_keys k on k.id = v.api_key_id
      left join users o on o.id = k.user_id
      left join lateral (
        select e.api_key_name, e.user_id, e.username from usage_daily e
        where e.api_key_id = v.api_key_id and e.api_key_name is not null limit 1
      ) p on k.id is null
      where k.id is not null or p.api_key_name is not null
      on conflict (api_key_id, model, day) do update set
        requests = usage_daily.requests + excluded.requests,
        prompt_tokens = usage_daily.prompt_tokens + excluded.prompt_tokens,
        completion_tokens = usage_daily.completion_tokens + excluded.completion_tokens,
        errors = usage_daily.errors + excluded.errors,
        refused = usage_daily.refused + excluded.refused,
        api_key_name = coalesce(excluded.api_key_name, usage_daily.api_key_name),
        user_id = coalesce(excluded.user_id, usage_daily.user_id),
        username = coalesce(excluded.username, usage_daily.username)
    `.execute(tx)
    await sql`
      update api_keys k set last_used_at = greatest(k.last_used_at, v.at)
      from (values ${lastUsed}) as v (id, at)
      where k.id = v.id
    `.execute(tx)
  })
}

function lastUsedByKey(rows: readonly UsageRow[]): [number, number][] {
  const latest = new Map<number, number>()
  for (const r of rows) {
    latest.set(r.keyId, Math.max(latest.get(r.keyId) ?? 0, r.lastUsedMs))
  }
  return [...latest]
}

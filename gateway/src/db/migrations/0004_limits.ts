import { type Kysely, sql } from 'kysely'

/**
 * Limits per API key and per user (docs/limits.md): nullable columns, null = no limit, so existing keys and users
 * are unlimited and the previous release, which neither reads nor writes them, runs beside this one. `refused`
 * counts requests a limit turned away (never errors). `replica_heartbeats` lets each replica see how many others
 * are live, to warn when limits are counted per process while several replicas serve.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['api_keys', 'users']) {
    const t = sql.table(table)
    await sql`ALTER TABLE ${t} ADD COLUMN rpm_limit integer CHECK (rpm_limit > 0)`.execute(db)
    await sql`ALTER TABLE ${t} ADD COLUMN tpm_limit integer CHECK (tpm_limit > 0)`.execute(db)
    await sql`ALTER TABLE ${t} ADD COLUMN max_parallel_requests integer CHECK (max_parallel_requests > 0)`.execute(
      db,
    )
    await sql`ALTER TABLE ${t} ADD COLUMN token_budget bigint CHECK (token_budget > 0)`.execute(db)
    await sql`ALTER TABLE ${t} ADD COLUMN budget_period text CHECK (budget_period IN ('day', 'week', 'month'))`.execute(
      db,
    )
  }
  await sql`ALTER TABLE usage_daily ADD COLUMN refused bigint NOT NULL DEFAULT 0`.execute(db)
  await sql`
    CREATE TABLE replica_heartbeats (
      replica_id text PRIMARY KEY,
      shared_limits boolean NOT NULL,
      seen_at timestamptz NOT NULL DEFAULT now()
    )
  `.execute(db)
}

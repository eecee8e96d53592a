import { type Kysely, sql } from 'kysely'

/**
 * Audit rows say who acted when no user did: `actor_kind` is 'user', 'cli' (an operator at the `keygate`
 * command line) or 'system' (the gateway at start-up). Existing rows are classified from what they record: a
 * user id means a user; a key created, or logins unlocked, or admin's password reset without one came from the
 * CLI; the rest (bootstrap admin, models file) from the gateway. The column is nullable because the previous
 * release, still running during a rolling upgrade, does not write it; readers derive the kind of a null one the
 * same way (audit/audit-repository.ts).
 *
 * The action names are made one style, `<target>.<verb>` in the present tense: rows written with the old names
 * are renamed so filters find them. Frozen copy of the names: later renames are later migrations.
 */
const RENAMED: readonly (readonly [string, string])[] = [
  ['user.created', 'user.create'],
  ['user.updated', 'user.update'],
  ['user.deleted', 'user.delete'],
  ['user.password_changed', 'user.change_password'],
  ['user.admin_password_reset', 'user.reset_admin_password'],
  ['model.file_sync', 'model.sync_file'],
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE audit_events ADD COLUMN actor_kind text
    CHECK (actor_kind IN ('user', 'cli', 'system'))`.execute(db)
  for (const [from, to] of RENAMED) {
    await sql`UPDATE audit_events SET action = ${to} WHERE action = ${from}`.execute(db)
  }
  await sql`UPDATE audit_events SET actor_kind = CASE
      WHEN actor_user_id IS NOT NULL THEN 'user'
      WHEN action IN ('api_key.create', 'login.unlock', 'user.reset_admin_password') THEN 'cli'
      ELSE 'system'
    END`.execute(db)
}

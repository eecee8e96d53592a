import { type Kysely, sql } from 'kysely'
import { type AuditActor, recordAudit } from '../audit/audit-log.js'
import type { Tables } from '../db/tables.js'
import {
  type InstallationSettings,
  SETTING_DEFAULTS,
  SETTING_NAMES,
  settingsSchema,
} from './settings-schema.js'

/**
 * Installation-wide settings an admin changes at run time (GET/PUT /v2/settings), one `settings` row each under
 * `setting.<name>` holding the JSON value. The same table keeps generated secrets under other names; only the
 * names in settings-schema.ts are ever read or written here, so no secret can reach the settings API. Read from
 * the database at each use (key writes, the settings page), never cached, so every replica sees a change at once.
 */

const ROW_PREFIX = 'setting.'

/** Every setting: its stored value, or its default when unset (or unreadable: a hand-edited row). */
export async function readSettings(db: Kysely<Tables>): Promise<InstallationSettings> {
  const rows = await db
    .selectFrom('settings')
    .select(['key', 'value'])
    .where(
      'key',
      'in',
      SETTING_NAMES.map((n) => ROW_PREFIX + n),
    )
    .execute()
  const stored: Record<string, unknown> = {}
  for (const row of rows) {
    try {
      stored[row.key.slice(ROW_PREFIX.length)] = JSON.parse(row.value)
    } catch {
      // left unset: the default applies
    }
  }
  const values: Record<string, unknown> = { ...SETTING_DEFAULTS }
  for (const name of SETTING_NAMES) {
    const parsed = settingsSchema.shape[name].safeParse(stored[name])
    if (parsed.success) {
      values[name] = parsed.data
    }
  }
  return settingsSchema.parse(values)
}

/** Writes the given settings and one `settings.update` audit row naming what changed; returns them all. */
export async function updateSettings(
  db: Kysely<Tables>,
  options: { patch: Partial<InstallationSettings>; actor: AuditActor },
): Promise<InstallationSettings> {
  return db.transaction().execute(async (tx) => {
    const before = await readSettings(tx)
    const changes: Record<string, { old: unknown; new: unknown }> = {}
    for (const name of SETTING_NAMES) {
      const to = options.patch[name]
      if (to === undefined || JSON.stringify(to) === JSON.stringify(before[name])) {
        continue
      }
      changes[name] = { old: before[name], new: to }
      await tx
        .insertInto('settings')
        .values({ key: ROW_PREFIX + name, value: JSON.stringify(to) })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: sql`excluded.value` }))
        .execute()
    }
    if (Object.keys(changes).length > 0) {
      await recordAudit(tx, {
        actor: options.actor,
        action: 'settings.update',
        target: { type: 'settings', id: 'installation' },
        details: { changes },
      })
    }
    return readSettings(tx)
  })
}

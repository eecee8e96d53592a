/**
 * Every audit action, `<target>.<verb>` with the verb in the present tense. The API filters on these names and the
 * UI offers them; a new kind of change adds its name here. Migration 0006 renamed the rows written before the
 * names were made consistent (LEGACY_ACTION_NAMES).
 */
export const AUDIT_ACTIONS = [
  'api_key.create',
  'api_key.update',
  'api_key.rename',
  'api_key.rotate',
  'api_key.delete',
  'user.create',
  'user.update',
  'user.delete',
  'user.change_password',
  'user.bootstrap_admin',
  'user.reset_admin_password',
  'model.create',
  'model.update',
  'model.delete',
  'model.sync_file',
  'login.unlock',
  'settings.update',
] as const

export type AuditAction = (typeof AUDIT_ACTIONS)[number]

export const AUDIT_TARGET_TYPES = ['api_key', 'user', 'model', 'login', 'settings'] as const

export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number]

/**
 * Who acted: a user (through a session or one of their keys), an operator at the `keygate` command line, or the
 * gateway itself (start-up: the bootstrap admin, the models file).
 */
export const ACTOR_KINDS = ['user', 'cli', 'system'] as const

export type ActorKind = (typeof ACTOR_KINDS)[number]

/**
 * The names rows had before migration 0006, by their current name. Migration 0006 renames existing rows; a gateway of the
 * previous release still running during a rolling upgrade may write an old name after it, so the listing
 * filters on both and answers the current one.
 */
export const LEGACY_ACTION_NAMES: Readonly<Partial<Record<AuditAction, string>>> = {
  'user.create': 'user.created',
  'user.update': 'user.updated',
  'user.delete': 'user.deleted',
  'user.change_password': 'user.password_changed',
  'user.reset_admin_password': 'user.admin_password_reset',
  'model.sync_file': 'model.file_sync',
}

const CURRENT_BY_LEGACY = new Map(
  Object.entries(LEGACY_ACTION_NAMES).map(([current, legacy]) => [legacy, current]),
)

/** The stored names that mean `action`: its own and its legacy one. */
export function storedNamesOf(action: AuditAction): string[] {
  const legacy = LEGACY_ACTION_NAMES[action]
  return legacy === undefined ? [action] : [action, legacy]
}

/** A stored name as the API answers it: a legacy name becomes the current one. */
export function currentActionName(stored: string): string {
  return CURRENT_BY_LEGACY.get(stored) ?? stored
}

/** A JSON value as an audit row stores it. */
export type AuditValue = string | number | boolean | null | readonly AuditValue[] | AuditObject

export interface AuditObject {
  readonly [name: string]: AuditValue
}

/** One changed field: what it was and what it became. */
export interface FieldChange {
  readonly old: AuditValue
  readonly new: AuditValue
}

/** `details.changes` of an update row: only the fields whose value changed. */
export type AuditChanges = Record<string, FieldChange>

/** What a secret field's change records: that it changed, never a value or a hash. */
export const REDACTED = '[redacted]'
export const SECRET_CHANGE: FieldChange = { old: REDACTED, new: REDACTED }

type Comparable = AuditValue | Date | undefined

function toAuditValue(v: Comparable): AuditValue {
  if (v === undefined) {
    return null
  }
  return v instanceof Date ? v.toISOString() : v
}

/**
 * The fields of `after` whose values differ from `before`'s (dates compared as ISO text, arrays and objects by
 * their JSON). Fields that `after` leaves undefined were not part of the change and are skipped.
 */
export function diffFields<K extends string>(
  before: Readonly<Record<K, Comparable>>,
  after: Readonly<Partial<Record<K, Comparable>>>,
  fields: readonly K[],
): AuditChanges {
  const changes: AuditChanges = {}
  for (const field of fields) {
    const next = after[field]
    if (next === undefined) {
      continue
    }
    const oldValue = toAuditValue(before[field])
    const newValue = toAuditValue(next)
    if (JSON.stringify(oldValue) !== JSON.stringify(newValue)) {
      changes[field] = { old: oldValue, new: newValue }
    }
  }
  return changes
}

import type { z } from 'zod'
import { findUnstorableText } from './storable-text.js'

/** The outcome of checking outside input: the parsed value, or the first problem and the field it is in. */
export type InputCheck<T> =
  | { ok: true; value: T }
  | { ok: false; param: string | null; message: string }

/**
 * Checks `raw` against `schema`. Text Postgres cannot store is refused first, wherever it is (every body, query and
 * CLI argument passes here, so no field can forget it); then an unknown field is reported by name; otherwise the
 * first issue, prefixed with its field path. Values are never echoed, so a secret sent in the wrong field cannot
 * come back in an error.
 */
export function checkInput<T>(schema: z.ZodType<T>, raw: unknown): InputCheck<T> {
  const unstorable = findUnstorableText(raw)
  if (unstorable !== undefined) {
    const param = unstorable.path === '' ? null : unstorable.path
    return { ok: false, param, message: `${param ?? 'The input'}: ${unstorable.problem}.` }
  }
  const parsed = schema.safeParse(raw)
  if (parsed.success) {
    return { ok: true, value: parsed.data }
  }
  const issues = parsed.error.issues
  const unknownField = issues.find((i) => i.code === 'unrecognized_keys')
  if (unknownField !== undefined && unknownField.code === 'unrecognized_keys') {
    const field = unknownField.keys[0] ?? ''
    return { ok: false, param: field, message: `Unknown field: ${field}.` }
  }
  const first = issues[0]
  const param = first === undefined || first.path.length === 0 ? null : first.path.join('.')
  const message = first?.message ?? 'Invalid input.'
  return { ok: false, param, message: param === null ? message : `${param}: ${message}` }
}

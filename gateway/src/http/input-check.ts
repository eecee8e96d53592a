import type { z } from 'zod'

/** The outcome of checking outside input: the parsed value, or the first problem and the field it is in. */
export type InputCheck<T> =
  | { ok: true; value: T }
  | { ok: false; param: string | null; message: string }

/**
 * Checks `raw` against `schema`. An unknown field is reported by name; otherwise the first issue, prefixed with its
 * field path. Values are never echoed, so a secret sent in the wrong field cannot come back in an error.
 */
export function checkInput<T>(schema: z.ZodType<T>, raw: unknown): InputCheck<T> {
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

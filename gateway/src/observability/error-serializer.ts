/**
 * How an error is written to the log: a whitelist of fields, never the error object as it is. Database errors carry
 * what the log must not: PGlite's enumerable `params` and postgres.js's `parameters` (a key's SHA-256, a user's
 * scrypt hash), and both drivers' `detail` ("Failing row contains (…, scrypt$…)", "Key (key_hash)=(…) already
 * exists"). What identifies a fault stays: the type, message, stack, SQLSTATE, constraint, table, column, routine
 * and syscall codes, and the cause chain, each string scrubbed of anything shaped like a secret in case a message
 * quotes one. Installed as the logger's `err` serializer, so no call site can forget it.
 */

/** Fields copied when they hold a string, number or boolean; everything else an error carries is dropped. */
const SAFE_FIELDS = [
  'code',
  'errno',
  'syscall',
  'severity',
  'routine',
  'constraint',
  'constraint_name',
  'table',
  'table_name',
  'column',
  'column_name',
  'schema',
  'schema_name',
  'status',
  'param',
] as const

const MAX_CAUSE_DEPTH = 4
const MAX_AGGREGATED = 5

/** Secret-shaped text: generated keys, scrypt hashes, session JWTs, and long hex (SHA-256, md5 stamps). */
const SECRET_SHAPES: readonly [RegExp, string][] = [
  [/kg_[0-9a-f]{16}_[0-9a-f]{32}/g, 'kg_[redacted]'],
  [/scrypt\$[^\s"',)]*/g, '[redacted]'],
  [/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, '[redacted]'],
  [/[0-9a-fA-F]{32,}/g, '[redacted]'],
]

/** `text` with every secret-shaped run replaced. */
export function scrubSecrets(text: string): string {
  let out = text
  for (const [shape, replacement] of SECRET_SHAPES) {
    out = out.replace(shape, replacement)
  }
  return out
}

export type SerializedError = Record<string, unknown>

/** The log form of any thrown value (pino calls this for every `err` field). */
export function serializeError(err: unknown, depth = 0): SerializedError {
  if (typeof err !== 'object' || err === null) {
    return { type: typeof err, message: scrubSecrets(String(err)) }
  }
  const out: SerializedError = { type: err.constructor?.name ?? 'Object' }
  if ('message' in err && typeof err.message === 'string') {
    out.message = scrubSecrets(err.message)
  }
  if ('stack' in err && typeof err.stack === 'string') {
    out.stack = scrubSecrets(err.stack)
  }
  for (const field of SAFE_FIELDS) {
    const value: unknown = field in err ? Reflect.get(err, field) : undefined
    if (typeof value === 'string') {
      out[field] = scrubSecrets(value)
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      out[field] = value
    }
  }
  if (depth < MAX_CAUSE_DEPTH && 'cause' in err && err.cause !== undefined) {
    out.cause = serializeError(err.cause, depth + 1)
  }
  if (depth < MAX_CAUSE_DEPTH && err instanceof AggregateError) {
    out.errors = err.errors.slice(0, MAX_AGGREGATED).map((e) => serializeError(e, depth + 1))
  }
  return out
}

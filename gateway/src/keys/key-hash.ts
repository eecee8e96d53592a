import { createHash } from 'node:crypto'

/** SHA-256 of the whole key string, lowercase hex: the only form of a key the database ever holds. */
export function hashKey(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

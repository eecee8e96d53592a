// STUB (users helper replaces this file): the configured secret, or one generated once and kept in `settings`.
import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Tables } from '../db/tables.js'

export async function loadSessionSecret(
  _db: Kysely<Tables>,
  configured: string | undefined,
): Promise<Uint8Array> {
  return configured === undefined ? randomBytes(32) : new TextEncoder().encode(configured)
}

// STUB (users helper replaces this file): creates `admin` when no active admin exists, DESIGN §5.
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Tables } from '../db/tables.js'

export interface BootstrapAdminOptions {
  db: Kysely<Tables>
  password: string | undefined
  dataDir: string
  logger: Logger
}

export async function bootstrapAdmin(_options: BootstrapAdminOptions): Promise<void> {}

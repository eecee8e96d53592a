// STUB (keys helper replaces this file): the key cache and verifier, DESIGN §4.
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { ChangeFeed } from '../changes/change-feed.js'
import type { Clock } from '../clock.js'
import type { Tables } from '../db/tables.js'
import type { KeyVerifier, KeyVerifyResult } from '../middleware/auth.js'

export interface KeyServiceOptions {
  db: Kysely<Tables>
  changes: ChangeFeed
  clock: Clock
  logger: Logger
}

export interface KeyService extends KeyVerifier {
  /** Entries in the cache, negatives included (the keygate_key_cache_entries gauge). */
  size(): number
}

export function createKeyService(_options: KeyServiceOptions): KeyService {
  return {
    verify: (): KeyVerifyResult => ({ ok: false, reason: 'unknown' }),
    size: () => 0,
  }
}

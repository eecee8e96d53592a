import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { ChangeFeed } from '../changes/change-feed.js'
import type { Clock } from '../clock.js'
import type { Tables } from '../db/tables.js'
import type { KeyVerifier, KeyVerifyResult } from '../middleware/auth.js'
import { isPlausibleKey } from './api-key.js'
import { KeyCache, type KeyPolicyLoader } from './key-cache.js'
import { hashKey } from './key-hash.js'
import { findKeyPolicyByHash } from './key-repository.js'

export interface KeyServiceOptions {
  db: Kysely<Tables>
  changes: ChangeFeed
  clock: Clock
  logger: Logger
  /** Overrides how a policy is read (tests count or fail reads); defaults to the database. */
  load?: KeyPolicyLoader
}

export interface KeyService extends KeyVerifier {
  /** Entries in the cache, negatives included (the keygate_key_cache_entries gauge). */
  size(): number
  /** Database reads made by the cache so far: a flood of one unknown key should add one. */
  loadCount(): number
}

const UNKNOWN: KeyVerifyResult = { ok: false, reason: 'unknown' }

/** The bearer-key verifier: SHA-256 of the token, then the key cache, which follows the change feed. */
export function createKeyService(options: KeyServiceOptions): KeyService {
  const { db, changes, clock, logger } = options
  const load: KeyPolicyLoader =
    options.load ??
    (async (keyHash) => {
      try {
        return await findKeyPolicyByHash(db, keyHash)
      } catch (err) {
        logger.warn({ err }, 'key lookup failed')
        throw err
      }
    })
  const cache = new KeyCache({ load, clock })
  changes.subscribe((events) => cache.apply(events))
  return {
    verify(token: string) {
      // No stored key is outside these bounds, so such a token costs neither a hash nor a database read.
      if (!isPlausibleKey(token)) {
        return UNKNOWN
      }
      return cache.verify(hashKey(token))
    },
    size: () => cache.size(),
    loadCount: () => cache.loadCount(),
  }
}

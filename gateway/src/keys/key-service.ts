import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { KeyVerifier, KeyVerifyResult } from '../auth/identify.js'
import type { ChangeFeed } from '../changes/change-feed.js'
import type { Clock } from '../clock.js'
import type { Tables } from '../db/tables.js'
import { isPlausibleKey } from './api-key.js'
import { KeyCache, type KeyPolicyLoader } from './key-cache.js'
import { hashKey } from './key-hash.js'
import { findKeyPolicyByHash, listKeyHashPrefixes } from './key-repository.js'
import { KNOWN_HASH_PREFIX_LENGTH, KnownKeyHashes } from './known-key-hashes.js'

export interface KeyServiceOptions {
  db: Kysely<Tables>
  changes: ChangeFeed
  clock: Clock
  logger: Logger
  /** Overrides how a policy is read (tests count or fail reads); defaults to the database. */
  load?: KeyPolicyLoader
  /** Overrides how the known hash prefixes are read at start(); defaults to the database. */
  listKnown?: () => Promise<readonly string[]>
  /** Reads per second for hashes not in the known set (keys created on another replica, not yet announced). */
  unlistedReadsPerSecond?: number
  /** Life of a cached key before a background re-read (KEYGATE_KEY_REFRESH_MS). */
  refreshMs?: number
}

export interface KeyService extends KeyVerifier {
  /**
   * Reads the hashes of all keys (one query) so unknown hashes are refused without the database. Call after the
   * change feed has started, so no creation falls between the read and the events. Until it resolves, every
   * unseen hash is read from the database.
   */
  start(): Promise<void>
  /** Entries in the cache, negatives included (the keygate_key_cache_entries gauge). */
  size(): number
  /** Database reads made by the cache so far: a flood of one unknown key should add one. */
  loadCount(): number
  /** Key hashes known to (possibly) exist. */
  knownHashCount(): number
  /** Unknown hashes refused without a database read because the per-second budget was spent. */
  refusedUnlistedCount(): number
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
  const listKnown = options.listKnown ?? (() => listKeyHashPrefixes(db, KNOWN_HASH_PREFIX_LENGTH))
  const known = new KnownKeyHashes({
    clock,
    unlistedReadsPerSecond: options.unlistedReadsPerSecond,
  })
  const cache = new KeyCache({ load, clock, known, refreshMs: options.refreshMs })
  changes.subscribe((events) => cache.apply(events))
  return {
    verify(token: string) {
      // No stored key is outside these bounds, so such a token costs neither a hash nor a database read.
      if (!isPlausibleKey(token)) {
        return UNKNOWN
      }
      return cache.verify(hashKey(token))
    },
    start: () => known.load(listKnown),
    size: () => cache.size(),
    loadCount: () => cache.loadCount(),
    knownHashCount: () => known.size(),
    refusedUnlistedCount: () => known.refusedCount(),
  }
}

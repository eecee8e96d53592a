import { LRUCache } from 'lru-cache'
import type { KeyVerifyResult } from '../auth/identify.js'
import type { ChangeEvent } from '../changes/change-feed.js'
import type { Clock } from '../clock.js'
import { type CachedKey, toCachedKey } from './cached-key.js'
import type { KeyPolicyRow } from './key-repository.js'
import type { KnownKeyHashes } from './known-key-hashes.js'

/** Loads one key's policy by hash; throws when the database cannot answer. The cache's one seam. */
export type KeyPolicyLoader = (keyHash: string) => Promise<KeyPolicyRow | undefined>

export interface KeyCacheOptions {
  load: KeyPolicyLoader
  clock: Clock
  /** Known keys kept (active or not); the least recently used go first. */
  maxEntries?: number
  /** Unknown hashes remembered, bounded separately so a flood of random keys cannot evict real ones. */
  maxNegativeEntries?: number
  /** How long an unknown hash is answered from memory. A created key drops it at once through the change feed. */
  negativeTtlMs?: number
  /** Hashes that may exist: one not in it is answered 'unknown' without a read (bar a small budget). */
  known?: KnownKeyHashes
  /**
   * Life of an entry before it is read again (KEYGATE_KEY_REFRESH_MS): the first request after it is still answered
   * from memory and starts one background read, so a change made outside the change feed lands within it.
   */
  refreshMs?: number
}

/** Background re-reads at once, at most: beyond it a stale hit just waits for a later request to try again. */
const MAX_BACKGROUND_READS = 8
/** After a re-read that failed or raced with a change, how long before the next request tries again. */
const RETRY_MS = 5_000

const EXPIRED: KeyVerifyResult = { ok: false, reason: 'expired' }
const UNKNOWN: KeyVerifyResult = { ok: false, reason: 'unknown' }
const UNAVAILABLE: KeyVerifyResult = { ok: false, reason: 'unavailable' }

/**
 * Key policies by SHA-256 hash. A cached key is answered synchronously; a miss reads the database once
 * however many requests wait for it, unless `known` says the hash cannot exist. Change events drop entries (see
 * `apply`), so edits reach this replica as soon as the change feed delivers them; and an entry older than
 * `refreshMs` is read again in the background at its next use (a change made outside the feed: manual SQL, a
 * restore), while requests keep getting the entry they have until the read lands.
 */
export class KeyCache {
  readonly #load: KeyPolicyLoader
  readonly #clock: Clock
  readonly #negativeTtlMs: number
  readonly #keys: LRUCache<string, CachedKey>
  /** Value: the clock time until which the hash is known not to exist. */
  readonly #unknown: LRUCache<string, number>
  readonly #known: KnownKeyHashes | undefined
  readonly #refreshMs: number
  readonly #retryMs: number
  readonly #inflight = new Map<string, Promise<KeyVerifyResult>>()
  #backgroundReads = 0
  /** Bumped by every change; a load that started before a change must not store what it read. */
  #generation = 0
  #loads = 0

  constructor(options: KeyCacheOptions) {
    this.#load = options.load
    this.#clock = options.clock
    this.#negativeTtlMs = options.negativeTtlMs ?? 10_000
    this.#keys = new LRUCache({ max: options.maxEntries ?? 100_000 })
    this.#unknown = new LRUCache({ max: options.maxNegativeEntries ?? 10_000 })
    this.#known = options.known
    this.#refreshMs = options.refreshMs ?? 60_000
    this.#retryMs = Math.min(RETRY_MS, this.#refreshMs)
  }

  /** Answers from memory when it can (no Promise), else reads the database once for everyone asking. */
  verify(keyHash: string): KeyVerifyResult | Promise<KeyVerifyResult> {
    const cached = this.#keys.get(keyHash)
    if (cached !== undefined) {
      const now = this.#clock.now()
      if (now >= cached.refreshAtMs) {
        this.#readAgain(keyHash, cached, now)
      }
      return this.#decide(cached, now)
    }
    const unknownUntil = this.#unknown.get(keyHash)
    if (unknownUntil !== undefined && this.#clock.now() < unknownUntil) {
      return UNKNOWN
    }
    const inflight = this.#inflight.get(keyHash)
    if (inflight !== undefined) {
      return inflight
    }
    if (this.#known !== undefined && !this.#known.mayExist(keyHash)) {
      return UNKNOWN
    }
    return this.#startLoad(keyHash)
  }

  #decide(entry: CachedKey, now: number): KeyVerifyResult {
    // A disabled key stays 'disabled' once expired too; only an accepted key is checked against the clock.
    if (entry.expiresAtMs !== null && entry.result.ok && now >= entry.expiresAtMs) {
      return EXPIRED
    }
    return entry.result
  }

  /** One background read for a stale entry; what it finds replaces the entry (or drops it) when it lands. */
  #readAgain(keyHash: string, entry: CachedKey, now: number): void {
    if (this.#inflight.has(keyHash) || this.#backgroundReads >= MAX_BACKGROUND_READS) {
      return
    }
    // A read that fails (database away) or is discarded (it raced with a change) is tried again later.
    entry.refreshAtMs = now + this.#retryMs
    this.#backgroundReads += 1
    void this.#startLoad(keyHash).finally(() => {
      this.#backgroundReads -= 1
    })
  }

  #startLoad(keyHash: string): Promise<KeyVerifyResult> {
    const generation = this.#generation
    this.#loads++
    const pending = this.#load(keyHash).then(
      (row) => {
        const fresh = generation === this.#generation
        const now = this.#clock.now()
        if (row === undefined) {
          if (fresh) {
            // A background re-read finds a key deleted outside the change feed: the entry goes too.
            this.#keys.delete(keyHash)
            this.#unknown.set(keyHash, now + this.#negativeTtlMs)
            this.#known?.remove(keyHash)
          }
          return UNKNOWN
        }
        // It exists (or did when read; a later delete sends an event that adds it again anyway).
        this.#known?.add(keyHash)
        const entry = toCachedKey(row, now + this.#refreshMs)
        if (fresh) {
          this.#keys.set(keyHash, entry)
        }
        return this.#decide(entry, now)
      },
      // The database could not answer: identify() turns this into 503; nothing is cached.
      () => UNAVAILABLE,
    )
    const tracked = pending.finally(() => {
      if (this.#inflight.get(keyHash) === tracked) {
        this.#inflight.delete(keyHash)
      }
    })
    this.#inflight.set(keyHash, tracked)
    return tracked
  }

  /**
   * Drops what the events make stale: a key's hash, or every key of a user. Idempotent. A key event also marks its
   * hash as possibly existing (it may be a creation); the next read settles it.
   */
  apply(events: readonly ChangeEvent[]): void {
    let changed = false
    for (const event of events) {
      if (event.kind === 'key') {
        this.#known?.add(event.target)
        this.#keys.delete(event.target)
        this.#unknown.delete(event.target)
        this.#inflight.delete(event.target)
        changed = true
      } else if (event.kind === 'user') {
        this.#dropUser(Number(event.target))
        changed = true
      }
    }
    if (changed) {
      this.#generation++
    }
  }

  #dropUser(userId: number): void {
    const stale: string[] = []
    for (const [hash, entry] of this.#keys.entries()) {
      if (entry.userId === userId) {
        stale.push(hash)
      }
    }
    for (const hash of stale) {
      this.#keys.delete(hash)
    }
    // Loads in flight cannot be matched to a user cheaply; later requests start fresh ones.
    this.#inflight.clear()
  }

  /** Entries held, negatives included. */
  size(): number {
    return this.#keys.size + this.#unknown.size
  }

  /** How many times the cache has asked the database (for tests and diagnostics). */
  loadCount(): number {
    return this.#loads
  }
}

import { LRUCache } from 'lru-cache'
import type { KeyVerifyResult } from '../auth/identify.js'
import type { Principal } from '../auth/principal.js'
import type { ChangeEvent } from '../changes/change-feed.js'
import type { Clock } from '../clock.js'
import type { Scope } from '../db/tables.js'
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
}

interface CachedKey {
  /** Built once per load and returned as is on every hit (no allocation on the hot path); never mutated. */
  readonly result: KeyVerifyResult
  readonly userId: number
  /** Epoch ms; null = never. Compared with the clock on every request, never folded into the cache's TTL. */
  readonly expiresAtMs: number | null
}

const DISABLED: KeyVerifyResult = { ok: false, reason: 'disabled' }
const OWNER_INACTIVE: KeyVerifyResult = { ok: false, reason: 'owner_inactive' }
const EXPIRED: KeyVerifyResult = { ok: false, reason: 'expired' }
const UNKNOWN: KeyVerifyResult = { ok: false, reason: 'unknown' }
const UNAVAILABLE: KeyVerifyResult = { ok: false, reason: 'unavailable' }

/**
 * Key policies by SHA-256 hash. A cached key is answered synchronously; a miss reads the database once
 * however many requests wait for it, unless `known` says the hash cannot exist. Change events drop entries (see
 * `apply`), so edits reach this replica as soon as the change feed delivers them.
 */
export class KeyCache {
  readonly #load: KeyPolicyLoader
  readonly #clock: Clock
  readonly #negativeTtlMs: number
  readonly #keys: LRUCache<string, CachedKey>
  /** Value: the clock time until which the hash is known not to exist. */
  readonly #unknown: LRUCache<string, number>
  readonly #known: KnownKeyHashes | undefined
  readonly #inflight = new Map<string, Promise<KeyVerifyResult>>()
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
  }

  /** Answers from memory when it can (no Promise), else reads the database once for everyone asking. */
  verify(keyHash: string): KeyVerifyResult | Promise<KeyVerifyResult> {
    const cached = this.#keys.get(keyHash)
    if (cached !== undefined) {
      return this.#decide(cached)
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

  #decide(entry: CachedKey): KeyVerifyResult {
    // A disabled key stays 'disabled' once expired too; only an accepted key is checked against the clock.
    if (entry.expiresAtMs !== null && entry.result.ok && this.#clock.now() >= entry.expiresAtMs) {
      return EXPIRED
    }
    return entry.result
  }

  #startLoad(keyHash: string): Promise<KeyVerifyResult> {
    const generation = this.#generation
    this.#loads++
    const pending = this.#load(keyHash).then(
      (row) => {
        const fresh = generation === this.#generation
        if (row === undefined) {
          if (fresh) {
            this.#unknown.set(keyHash, this.#clock.now() + this.#negativeTtlMs)
            this.#known?.remove(keyHash)
          }
          return UNKNOWN
        }
        // It exists (or did when read; a later delete sends an event that adds it again anyway).
        this.#known?.add(keyHash)
        const entry = toCachedKey(row)
        if (fresh) {
          this.#keys.set(keyHash, entry)
        }
        return this.#decide(entry)
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

function toCachedKey(row: KeyPolicyRow): CachedKey {
  const allowed = row.allowed_model_names
  const principal: Principal = Object.freeze({
    userId: row.user_id,
    username: row.username,
    isAdmin: row.is_admin,
    keyId: row.id,
    scope: new Set<Scope>(row.scope),
    allowedModelNames: allowed.length === 0 ? null : new Set(allowed),
  })
  return {
    result: !row.is_active
      ? DISABLED
      : row.owner_active
        ? Object.freeze({ ok: true, principal })
        : OWNER_INACTIVE,
    userId: row.user_id,
    expiresAtMs: row.expires_at === null ? null : row.expires_at.getTime(),
  }
}

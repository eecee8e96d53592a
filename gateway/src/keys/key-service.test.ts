import type { Kysely } from 'kysely'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { ChangeFeed } from '../changes/change-feed.js'
import type { Database } from '../db/database.js'
import type { Tables } from '../db/tables.js'
import { generateKey } from './api-key.js'
import { hashKey } from './key-hash.js'
import type { KeyPolicyRow } from './key-repository.js'
import { createKeyService } from './key-service.js'

function service(rows: Map<string, KeyPolicyRow>, unlistedReadsPerSecond = 20) {
  const logger = pino({ level: 'silent' })
  // The feed is never started here: the test delivers nothing through it; the database is never touched.
  const changes = new ChangeFeed({ database: {} as Database, refreshMs: 60_000, logger })
  const hashes: string[] = []
  const keys = createKeyService({
    db: {} as Kysely<Tables>,
    changes,
    clock: { now: () => Date.now() },
    logger,
    load: async (hash) => {
      hashes.push(hash)
      return rows.get(hash)
    },
    listKnown: async () => [...rows.keys()].map((h) => h.slice(0, 16)),
    unlistedReadsPerSecond,
  })
  return { keys, hashes }
}

const policy: KeyPolicyRow = {
  id: 1,
  user_id: 2,
  scope: ['inference'],
  allowed_model_names: [],
  expires_at: null,
  is_active: true,
  allowed_ips: [],
  username: 'u',
  is_admin: false,
  owner_active: true,
  rpm_limit: null,
  tpm_limit: null,
  max_parallel_requests: null,
  token_budget: null,
  budget_period: null,
  user_rpm_limit: null,
  user_tpm_limit: null,
  user_max_parallel_requests: null,
  user_token_budget: null,
  user_budget_period: null,
}

describe('createKeyService', () => {
  it('looks a token up by its SHA-256 and answers a cached key synchronously', async () => {
    const { value } = generateKey()
    const { keys, hashes } = service(new Map([[hashKey(value), policy]]))
    expect(await keys.verify(value)).toMatchObject({ ok: true })
    expect(hashes).toEqual([hashKey(value)])
    const again = keys.verify(value)
    expect(again).not.toBeInstanceOf(Promise)
    expect(again).toMatchObject({ ok: true, principal: { keyId: 1 } })
    expect(keys.loadCount()).toBe(1)
    expect(keys.size()).toBe(1)
  })

  it('refuses tokens no stored key can match without a database read', () => {
    const { keys } = service(new Map())
    expect(keys.verify('short')).toEqual({ ok: false, reason: 'unknown' })
    expect(keys.verify('k'.repeat(10_000))).toEqual({ ok: false, reason: 'unknown' })
    expect(keys.loadCount()).toBe(0)
  })

  it('once started, refuses random well-formed keys without a database read beyond the budget', async () => {
    const { value } = generateKey()
    const { keys, hashes } = service(new Map([[hashKey(value), policy]]), 5)
    await keys.start()
    expect(keys.knownHashCount()).toBe(1)
    for (let i = 0; i < 1_000; i++) {
      expect(await keys.verify(generateKey().value)).toEqual({ ok: false, reason: 'unknown' })
    }
    expect(await keys.verify(value)).toMatchObject({ ok: true, principal: { keyId: 1 } })
    // Five reads from the budget (a 1,000-key loop takes far less than the second that refills it), one for the key.
    expect(hashes.length).toBeLessThanOrEqual(5 + 5 + 1)
    expect(keys.refusedUnlistedCount()).toBeGreaterThan(980)
  })
})

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../config.js'

describe('limits settings', () => {
  it('defaults to in-process counters, failing open, 20 ms and 1024 default max tokens', () => {
    const r = parseConfig({})
    expect(r.ok && r.config).toMatchObject({
      redisUrl: undefined,
      redisPrefix: 'keygate:',
      redisTimeoutMs: 20,
      limitsOnStoreError: 'open',
      limitsDefaultMaxTokens: 1024,
    })
  })

  it('reads the Redis URL from a mounted file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-limits-config-'))
    const file = join(dir, 'redis-url')
    writeFileSync(file, 'rediss://:s3cret@redis.example:6380/2\n')
    const r = parseConfig({ KEYGATE_REDIS_URL_FILE: file, KEYGATE_LIMITS_ON_STORE_ERROR: 'closed' })
    expect(r.ok && r.config).toMatchObject({
      redisUrl: 'rediss://:s3cret@redis.example:6380/2',
      limitsOnStoreError: 'closed',
    })
  })

  it('refuses what would break the counters, listing every problem', () => {
    const r = parseConfig({
      KEYGATE_REDIS_URL: 'http://redis:6379',
      KEYGATE_REDIS_PREFIX: 'a{b}:',
      KEYGATE_REDIS_TIMEOUT_MS: '0',
      KEYGATE_LIMITS_ON_STORE_ERROR: 'maybe',
      KEYGATE_LIMITS_DEFAULT_MAX_TOKENS: '-5',
    })
    expect(r.ok).toBe(false)
    const problems = r.ok ? [] : r.problems.join('\n')
    for (const name of [
      'KEYGATE_REDIS_URL',
      'KEYGATE_REDIS_PREFIX',
      'KEYGATE_REDIS_TIMEOUT_MS',
      'KEYGATE_LIMITS_ON_STORE_ERROR',
      'KEYGATE_LIMITS_DEFAULT_MAX_TOKENS',
    ]) {
      expect(problems).toContain(name)
    }
  })
})

import { describe, expect, it } from 'vitest'
import { checkCustomKey, generateKey, isPlausibleKey, maskCustomKey } from './api-key.js'
import { hashKey } from './key-hash.js'

describe('generateKey', () => {
  it('makes kg_<16 hex>_<32 hex> keys with the access key as the public part', () => {
    const key = generateKey()
    expect(key.value).toMatch(/^kg_[0-9a-f]{16}_[0-9a-f]{32}$/)
    expect(key.value.slice(3, 19)).toBe(key.accessKey)
  })

  it('masks as kg_<first 8 of the access key>…<last 4 of the secret>', () => {
    const key = generateKey()
    const secret = key.value.slice(20)
    expect(key.maskedValue).toBe(`kg_${key.accessKey.slice(0, 8)}…${secret.slice(-4)}`)
    expect(key.maskedValue).not.toContain(secret.slice(0, 8))
  })

  it('never repeats a value', () => {
    const values = new Set(Array.from({ length: 1000 }, () => generateKey().value))
    expect(values.size).toBe(1000)
  })
})

describe('maskCustomKey', () => {
  it('shows only the last four characters', () => {
    expect(maskCustomKey('my-Custom-key-9xYz')).toBe('…9xYz')
  })
})

describe('hashKey', () => {
  it('is the lowercase hex SHA-256 of the whole string', () => {
    expect(hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })
})

describe('checkCustomKey', () => {
  it('accepts 16 to 256 printable ASCII characters with enough variety', () => {
    expect(checkCustomKey('team-A:batch#2024!x')).toEqual({ ok: true })
    expect(checkCustomKey(`${'Zq8'.repeat(5)}Lm0pW`)).toEqual({ ok: true })
    expect(checkCustomKey(`${'aB3$eF6&hJ9('.repeat(21)}kL0)`)).toEqual({ ok: true })
  })

  it.each([
    ['too short', 'Sh0rt-key!', /at least 16/],
    ['too long', `${'xY7!qR2@'.repeat(32)}z`, /at most 256/],
    ['a space', 'has a space inside it', /printable ASCII.*without spaces/],
    ['a tab', 'tab\tinside-the-key-value', /printable ASCII/],
    ['non-ASCII', 'clé-très-secrète-123', /printable ASCII/],
    ['one repeated character', 'aaaaaaaaaaaaaaaa', /single repeated character/],
    [
      'few distinct characters',
      'passwordpassword',
      /at least 8 different characters; this one has 7/,
    ],
    ['an even run', 'abcdefghijklmnopq', /simple sequence/],
    ['a descending run', '9876543210/.-,+*)(', /simple sequence/],
  ])('refuses a value with %s and says why', (_label, value, reason) => {
    const check = checkCustomKey(value)
    expect(check.ok).toBe(false)
    expect(check.ok ? '' : check.message).toMatch(reason)
  })
})

describe('isPlausibleKey', () => {
  it('lets through only lengths a stored key can have', () => {
    expect(isPlausibleKey(generateKey().value)).toBe(true)
    expect(isPlausibleKey('short')).toBe(false)
    expect(isPlausibleKey('x'.repeat(257))).toBe(false)
  })
})

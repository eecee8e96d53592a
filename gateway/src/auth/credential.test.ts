import { describe, expect, it } from 'vitest'
import { readCredential } from './credential.js'

describe('readCredential', () => {
  it('reads one bearer key, whatever the scheme case and spacing', () => {
    expect(readCredential('Bearer kg_abc', undefined)).toEqual({ kind: 'key', token: 'kg_abc' })
    expect(readCredential('bearer   kg_abc ', undefined)).toEqual({ kind: 'key', token: 'kg_abc' })
    // A custom key may hold a comma; only whitespace inside the token means two values.
    expect(readCredential('Bearer a,b-custom', undefined)).toEqual({
      kind: 'key',
      token: 'a,b-custom',
    })
  })

  it('has nothing to say without an Authorization header (the session cookie decides)', () => {
    expect(readCredential(undefined, undefined)).toEqual({ kind: 'none' })
  })

  it('calls a non-bearer or empty header malformed', () => {
    for (const h of ['Basic dXNlcjpwdw==', 'Bearer', 'Bearer ', 'kg_abc', 'Bearer a b']) {
      expect(readCredential(h, undefined), h).toEqual({ kind: 'malformed' })
    }
  })

  it('calls two keys ambiguous: a joined repeated header, a list, or a different x-api-key', () => {
    for (const [h, x] of [
      ['Bearer kg_a, Bearer kg_b', undefined],
      ['Bearer kg_a, kg_b', undefined],
      ['Basic dXNlcjpwdw==, Bearer kg_b', undefined],
      ['Bearer kg_a', 'kg_b'],
    ] as const) {
      expect(readCredential(h, x), `${h} / ${x}`).toEqual({ kind: 'ambiguous' })
    }
    expect(readCredential('Bearer kg_a', 'kg_a')).toEqual({ kind: 'key', token: 'kg_a' })
  })
})

describe('readCredential with x-api-key (Anthropic SDKs)', () => {
  it('reads a key sent in x-api-key alone', () => {
    expect(readCredential(undefined, ' kg_abc ')).toEqual({ kind: 'key', token: 'kg_abc' })
  })

  it('calls an empty x-api-key malformed and a repeated one ambiguous', () => {
    expect(readCredential(undefined, ' ')).toEqual({ kind: 'malformed' })
    expect(readCredential(undefined, 'kg_a kg_b')).toEqual({ kind: 'malformed' })
    expect(readCredential(undefined, 'kg_a, kg_b')).toEqual({ kind: 'ambiguous' })
  })
})

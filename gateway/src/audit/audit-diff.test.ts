import { describe, expect, it } from 'vitest'
import { diffFields } from './audit-diff.js'

describe('diffFields', () => {
  it('records only the fields that changed, dates as ISO text and lists by value', () => {
    const before = {
      name: 'a',
      scope: ['inference'],
      expires_at: new Date('2026-01-01T00:00:00Z'),
      is_active: true,
    }
    const after = {
      name: 'a',
      scope: ['inference', 'management'],
      expires_at: null,
      is_active: undefined,
    }
    expect(diffFields(before, after, ['name', 'scope', 'expires_at', 'is_active'])).toEqual({
      scope: { old: ['inference'], new: ['inference', 'management'] },
      expires_at: { old: '2026-01-01T00:00:00.000Z', new: null },
    })
  })

  it('is empty when nothing changed', () => {
    expect(diffFields({ a: [1, 2] }, { a: [1, 2] }, ['a'])).toEqual({})
  })
})

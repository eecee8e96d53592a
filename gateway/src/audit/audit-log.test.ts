import { describe, expect, it } from 'vitest'
import { withoutSecrets } from './audit-log.js'

describe('withoutSecrets', () => {
  it('replaces the values of members named like secrets, at any depth', () => {
    const out = withoutSecrets({
      name: 'laptop',
      value: 'kg_0123456789abcdef_0123456789abcdef0123456789abcdef',
      nested: { password: 'hunter2-hunter2', instances: [{ url: 'http://x', api_key: 'sk-1' }] },
      token: 'eyJ...',
    })
    expect(out).toEqual({
      name: 'laptop',
      value: '[redacted]',
      nested: { password: '[redacted]', instances: [{ url: 'http://x', api_key: '[redacted]' }] },
      token: '[redacted]',
    })
  })

  it('keeps field-name lists, flags and nulls, which say what changed without a secret', () => {
    const details = { fields: ['password', 'is_admin'], is_custom: true, api_key: null }
    expect(withoutSecrets(details)).toEqual(details)
  })
})

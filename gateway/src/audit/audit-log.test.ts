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

  it("keeps a secret field's change as {old, new}, both sides redacted, and redacts credentials inside a diff", () => {
    const details = {
      changes: {
        password: { old: 'scrypt$old-hash', new: 'scrypt$new-hash' },
        instances: {
          old: [{ url: 'http://a', api_key: 'sk-old' }],
          new: [{ url: 'http://a', api_key: null }],
        },
        full_name: { old: '', new: 'Dora' },
      },
    }
    expect(withoutSecrets(details)).toEqual({
      changes: {
        password: { old: '[redacted]', new: '[redacted]' },
        instances: {
          old: [{ url: 'http://a', api_key: '[redacted]' }],
          new: [{ url: 'http://a', api_key: null }],
        },
        full_name: { old: '', new: 'Dora' },
      },
    })
  })
})

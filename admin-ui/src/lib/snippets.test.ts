import { describe, expect, it } from 'vitest'
import { permissionLines } from './format.js'
import { validateNewPassword, validatePasswordChange } from './password-rules.js'
import { curlSnippet, pythonSnippet } from './snippets.js'
import { nextSort } from './sort.js'

describe('Try it snippets', () => {
  const input = { origin: 'http://gw:8080', keyText: "kg_ab'cd", model: 'small-model' }

  it('quotes the key for the shell and calls /v1/chat/completions', () => {
    const curl = curlSnippet(input)
    expect(curl).toContain(`export KEYGATE_API_KEY='kg_ab'"'"'cd'`)
    expect(curl).toContain('curl http://gw:8080/v1/chat/completions')
    expect(curl).toContain('"model": "small-model"')
  })

  it('points the OpenAI SDK at the gateway', () => {
    const py = pythonSnippet(input)
    expect(py).toContain('base_url="http://gw:8080/v1"')
    expect(py).toContain('model="small-model"')
  })
})

describe('permissions column', () => {
  it("uses GPUStack's permission names", () => {
    expect(
      permissionLines({ scope: ['management', 'inference'], allowed_model_names: [] }),
    ).toEqual(['Platform Management', 'Model Access: All models'])
    expect(permissionLines({ scope: ['inference'], allowed_model_names: ['a', 'b'] })).toEqual([
      'Model Access: a, b',
    ])
    expect(permissionLines({ scope: [], allowed_model_names: [] })).toEqual(['No access'])
  })
})

describe('password rules', () => {
  it('asks for 8 characters and a matching confirmation', () => {
    expect(validateNewPassword('short', 'short')).toMatch(/at least 8/)
    expect(validateNewPassword('long-enough', 'long-enougH')).toMatch(/do not match/)
    expect(validateNewPassword('long-enough', 'long-enough')).toBeNull()
  })

  it('refuses keeping the current password', () => {
    expect(validatePasswordChange('same-password', 'same-password', 'same-password')).toMatch(
      /differ/,
    )
    expect(validatePasswordChange('', 'new-password', 'new-password')).toMatch(/current/)
  })
})

describe('sorting', () => {
  it('flips the active column and starts dates descending, names ascending', () => {
    expect(nextSort('-created_at', 'created_at', false)).toBe('created_at')
    expect(nextSort('created_at', 'created_at', false)).toBe('-created_at')
    expect(nextSort('-created_at', 'name', true)).toBe('name')
    expect(nextSort('name', 'expires_at', false)).toBe('-expires_at')
  })
})

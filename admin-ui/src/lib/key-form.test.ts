import { describe, expect, it } from 'vitest'
import { checkCustomKey } from '../../../gateway/src/keys/api-key.js'
import type { ApiKey } from '../api-types.js'
import {
  type AddKeyForm,
  buildCreateBody,
  buildUpdateBody,
  editFormFor,
  emptyAddForm,
  hasNoAccess,
  validateCustomKey,
} from './key-form.js'
import { describeLimits, emptyLimits } from './limit-form.js'

const now = new Date(2025, 4, 10, 12, 0, 0)

function form(patch: Partial<AddKeyForm> = {}): AddKeyForm {
  return { ...emptyAddForm(), name: 'ci-bot', ...patch }
}

const existing: ApiKey = {
  id: 7,
  name: 'ci-bot',
  description: 'old',
  masked_value: 'kg_0123abcd…ffff',
  is_custom: false,
  scope: ['inference'],
  allowed_model_names: ['small-model'],
  expires_at: new Date(2025, 5, 30, 12).toISOString(),
  is_active: true,
  last_used_at: null,
  user_id: 1,
  user_name: 'admin',
  created_at: now.toISOString(),
  updated_at: now.toISOString(),
  rpm_limit: null,
  tpm_limit: null,
  max_parallel_requests: null,
  token_budget: null,
  budget_period: null,
  metadata: {},
  allowed_ips: [],
  previous_value_expires_at: null,
}

describe('Add API Key form', () => {
  it('builds the default body: Model Access to all models, never expires', () => {
    expect(buildCreateBody(form({ description: '  nightly  ' }), now)).toEqual({
      ok: true,
      body: {
        name: 'ci-bot',
        description: 'nightly',
        expires_in: 0,
        scope: ['inference'],
        allowed_model_names: [],
        rpm_limit: null,
        tpm_limit: null,
        max_parallel_requests: null,
        token_budget: null,
        budget_period: null,
      },
    })
  })

  it('requires a name', () => {
    expect(buildCreateBody(form({ name: '   ' }), now)).toEqual({
      ok: false,
      errors: { name: 'Enter a name.' },
    })
  })

  it('refuses a name longer than the API allows', () => {
    const built = buildCreateBody(form({ name: 'x'.repeat(129) }), now)
    expect(built.ok).toBe(false)
  })

  it('sends both scopes and the chosen models', () => {
    const built = buildCreateBody(
      form({
        expiry: '7d',
        permissions: {
          platformManagement: true,
          modelAccess: true,
          modelMode: 'allowed',
          allowedModels: ['small-model', 'big-model'],
        },
      }),
      now,
    )
    expect(built).toMatchObject({
      ok: true,
      body: {
        scope: ['management', 'inference'],
        allowed_model_names: ['small-model', 'big-model'],
        expires_in: 7 * 86_400,
      },
    })
  })

  it('refuses Allowed models with none picked, since an empty list would mean all models', () => {
    const built = buildCreateBody(
      form({
        permissions: {
          platformManagement: false,
          modelAccess: true,
          modelMode: 'allowed',
          allowedModels: [],
        },
      }),
      now,
    )
    expect(built).toEqual({
      ok: false,
      errors: { allowedModels: 'Select at least one model, or choose All models.' },
    })
  })

  it('allows a key with no permission and sends an empty scope', () => {
    const permissions = {
      platformManagement: false,
      modelAccess: false,
      modelMode: 'all' as const,
      allowedModels: [],
    }
    expect(hasNoAccess(permissions)).toBe(true)
    expect(buildCreateBody(form({ permissions }), now)).toMatchObject({
      ok: true,
      body: { scope: [], allowed_model_names: [] },
    })
  })

  it('drops a stale model list when Model Access is off', () => {
    const permissions = {
      platformManagement: true,
      modelAccess: false,
      modelMode: 'allowed' as const,
      allowedModels: ['small-model'],
    }
    expect(buildCreateBody(form({ permissions }), now)).toMatchObject({
      ok: true,
      body: { scope: ['management'], allowed_model_names: [] },
    })
  })

  it('requires the Key field for a Custom key and sends it as `custom`', () => {
    expect(buildCreateBody(form({ type: 'custom', customKey: '' }), now)).toEqual({
      ok: false,
      errors: { customKey: 'Enter the key value.' },
    })
    const value = 'my-Custom-key-2025!x'
    expect(buildCreateBody(form({ type: 'custom', customKey: value }), now)).toMatchObject({
      ok: true,
      body: { custom: value },
    })
  })

  it('ignores the Key field for an Auto-generated key', () => {
    const built = buildCreateBody(form({ type: 'auto', customKey: 'short' }), now)
    expect(built.ok && 'custom' in built.body).toBe(false)
  })

  it('reports a past custom expiry date', () => {
    expect(buildCreateBody(form({ expiry: 'custom', customDate: '2025-01-01' }), now)).toEqual({
      ok: false,
      errors: { expiry: 'The expiration date must be in the future.' },
    })
  })
})

describe('custom key rule', () => {
  const samples = [
    'short',
    'a'.repeat(16),
    'abababababababab',
    'abcdefghijklmnop',
    '1234567890123456',
    'has a space in it!!',
    'tab\there-and-more-chars',
    'ünïcödé-characters-123',
    'x'.repeat(257),
    'Good-Custom-Key-42!',
    `K${'9a8b7c6d5e4f3g2h'.repeat(16)}`.slice(0, 256),
  ]

  it.each(samples)('agrees with the API on %j', (value) => {
    const api = checkCustomKey(value)
    const ui = validateCustomKey(value)
    expect(ui).toBe(api.ok ? null : api.message)
  })
})

describe('Edit form', () => {
  it('starts from the key as it is', () => {
    expect(editFormFor(existing)).toEqual({
      name: 'ci-bot',
      description: 'old',
      expiry: 'keep',
      customDate: '',
      isActive: true,
      permissions: {
        platformManagement: false,
        modelAccess: true,
        modelMode: 'allowed',
        allowedModels: ['small-model'],
      },
      limits: { rpm: '', tpm: '', parallel: '', budget: '', period: 'month' },
      allowedIps: '',
      metadata: '',
    })
  })

  it('sends the name only when it changed, trimmed, and refuses an empty one', () => {
    const renamed = buildUpdateBody({ ...editFormFor(existing), name: ' ci-bot-2 ' }, existing, now)
    expect(renamed.ok && renamed.body.name).toBe('ci-bot-2')
    const same = buildUpdateBody(editFormFor(existing), existing, now)
    expect(same.ok && 'name' in same.body).toBe(false)
    expect(buildUpdateBody({ ...editFormFor(existing), name: ' ' }, existing, now)).toMatchObject({
      ok: false,
      errors: { name: 'Enter a name.' },
    })
  })

  it('disables the key without touching its expiry', () => {
    const edit = { ...editFormFor(existing), isActive: false }
    const built = buildUpdateBody(edit, existing, now)
    expect(built).toEqual({
      ok: true,
      body: {
        description: 'old',
        scope: ['inference'],
        allowed_model_names: ['small-model'],
        is_active: false,
        rpm_limit: null,
        tpm_limit: null,
        max_parallel_requests: null,
        token_budget: null,
        budget_period: null,
      },
    })
  })

  it('extends a valid key by 1 month from its current expiry', () => {
    const built = buildUpdateBody({ ...editFormFor(existing), expiry: '1m' }, existing, now)
    expect(built).toMatchObject({
      ok: true,
      body: { expires_at: new Date(2025, 6, 30, 12).toISOString() },
    })
  })

  it('sets Never as expires_at null', () => {
    const built = buildUpdateBody({ ...editFormFor(existing), expiry: 'never' }, existing, now)
    expect(built).toMatchObject({ ok: true, body: { expires_at: null } })
  })

  it('switches to All models by sending an empty allowlist', () => {
    const edit = editFormFor(existing)
    edit.permissions.modelMode = 'all'
    expect(buildUpdateBody(edit, existing, now)).toMatchObject({
      ok: true,
      body: { allowed_model_names: [] },
    })
  })
})

describe('Limits fields', () => {
  it('send the limits typed in, a budget with its period, and empty as no limit', () => {
    const built = buildCreateBody(
      form({ limits: { rpm: '60', tpm: ' 10000 ', parallel: '', budget: '5000', period: 'week' } }),
      now,
    )
    expect(built).toMatchObject({
      ok: true,
      body: {
        rpm_limit: 60,
        tpm_limit: 10000,
        max_parallel_requests: null,
        token_budget: 5000,
        budget_period: 'week',
      },
    })
  })

  it.each(['0', '-1', '1.5', 'ten'])('refuse %j beside its field', (text) => {
    const built = buildCreateBody(form({ limits: { ...emptyLimits(), parallel: text } }), now)
    expect(built).toEqual({
      ok: false,
      errors: { parallel: 'Enter a whole number of at least 1, or leave it empty for no limit.' },
    })
  })

  it('start an edit from the key’s limits', () => {
    const limited = { ...existing, rpm_limit: 5, token_budget: 100, budget_period: 'day' as const }
    expect(editFormFor(limited).limits).toEqual({
      rpm: '5',
      tpm: '',
      parallel: '',
      budget: '100',
      period: 'day',
    })
  })

  it('describe a key’s limits in one line', () => {
    expect(
      describeLimits({
        rpm_limit: 60,
        tpm_limit: null,
        max_parallel_requests: 2,
        token_budget: 1_000_000,
        budget_period: null,
      }),
    ).toBe('60 rpm · 2 at once · 1,000,000 tokens/month')
  })
})

describe('Edit form: client addresses and metadata', () => {
  it('sends the allowlist and metadata only when they change, and refuses a malformed line', () => {
    const key: ApiKey = { ...existing, allowed_ips: ['10.0.0.0/8'], metadata: { team: 'ml' } }
    const form = editFormFor(key)
    const same = buildUpdateBody(form, key, now)
    expect(same.ok && 'allowed_ips' in same.body).toBe(false)
    expect(same.ok && 'metadata' in same.body).toBe(false)
    const changed = buildUpdateBody(
      { ...form, allowedIps: '10.0.0.0/8\n::1', metadata: '' },
      key,
      now,
    )
    expect(changed).toMatchObject({
      ok: true,
      body: { allowed_ips: ['10.0.0.0/8', '::1'], metadata: {} },
    })
    expect(buildUpdateBody({ ...form, metadata: 'team' }, key, now)).toEqual({
      ok: false,
      errors: { metadata: 'Line 1: write name=value.' },
    })
  })
})

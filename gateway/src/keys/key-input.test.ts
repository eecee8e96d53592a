import { describe, expect, it } from 'vitest'
import { checkInput } from '../http/input-check.js'
import { checkListQuery, createKeyBody, toCreateKeyInput, updateKeyBody } from './key-input.js'

describe('create body', () => {
  it('applies the defaults: inference scope, every model, never expires, generated value', () => {
    const checked = checkInput(createKeyBody, { name: '  laptop ' })
    expect(checked.ok && toCreateKeyInput(checked.value)).toEqual({
      name: 'laptop',
      description: '',
      expiresInSeconds: null,
      scope: ['inference'],
      allowedModelNames: [],
      custom: null,
      limits: {
        rpm_limit: null,
        tpm_limit: null,
        max_parallel_requests: null,
        token_budget: null,
        budget_period: null,
      },
      metadata: {},
      allowedIps: [],
    })
  })

  it('reads "*" as both scopes, [] as none, and 0 as never expiring', () => {
    const star = checkInput(createKeyBody, { name: 'a', scope: '*', expires_in: 0 })
    expect(star.ok && toCreateKeyInput(star.value)).toMatchObject({
      scope: ['management', 'inference'],
      expiresInSeconds: null,
    })
    const none = checkInput(createKeyBody, { name: 'a', scope: [] })
    expect(none.ok && none.value.scope).toEqual([])
    const both = checkInput(createKeyBody, { name: 'a', scope: ['inference', 'management'] })
    expect(both.ok && both.value.scope).toEqual(['management', 'inference'])
  })

  it('names the first unknown field', () => {
    expect(checkInput(createKeyBody, { name: 'a', extra: 1 })).toEqual({
      ok: false,
      param: 'extra',
      message: 'Unknown field: extra.',
    })
  })
})

describe('update body', () => {
  it('turns expires_at into a Date, null into never, and refuses a time without a zone', () => {
    const at = checkInput(updateKeyBody, { expires_at: '2030-01-01T00:00:00Z' })
    expect(at.ok && at.value.expires_at).toEqual(new Date('2030-01-01T00:00:00Z'))
    const never = checkInput(updateKeyBody, { expires_at: null })
    expect(never.ok && never.value.expires_at).toBeNull()
    expect(checkInput(updateKeyBody, { expires_at: '2030-01-01' }).ok).toBe(false)
  })
})

describe('list query', () => {
  it('defaults to page 1 of 100, newest first, own keys', () => {
    expect(checkListQuery({})).toEqual({
      ok: true,
      value: {
        page: 1,
        perPage: 100,
        sortBy: 'created_at',
        descending: true,
        search: '',
        userId: undefined,
        metadata: {},
        expiringWithinMs: null,
      },
    })
  })

  it('reads metadata.<name> filters and expiring_within as days or hours', () => {
    const q = checkListQuery({
      'metadata.team': 'ml',
      'metadata.env': 'prod',
      expiring_within: '7d',
    })
    expect(q.ok && q.value.metadata).toEqual({ team: 'ml', env: 'prod' })
    expect(q.ok && q.value.expiringWithinMs).toBe(7 * 86_400_000)
    const hours = checkListQuery({ expiring_within: '12h' })
    expect(hours.ok && hours.value.expiringWithinMs).toBe(12 * 3_600_000)
    expect(checkListQuery({ expiring_within: '7' })).toMatchObject({
      ok: false,
      param: 'expiring_within',
    })
    expect(checkListQuery({ 'metadata.team': 'x'.repeat(257) })).toMatchObject({
      ok: false,
      param: 'metadata.team',
    })
  })

  it('reads user_id as *, a number, or empty for own', () => {
    const star = checkListQuery({ user_id: '*' })
    expect(star.ok && star.value.userId).toBe('*')
    const n = checkListQuery({ user_id: '12' })
    expect(n.ok && n.value.userId).toBe(12)
    const empty = checkListQuery({ user_id: '' })
    expect(empty.ok && empty.value.userId).toBeUndefined()
  })
})

import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { checkInput } from '../http/input-check.js'
import { limitAboveOwner, limitColumns, limitFieldsShape, pickLimitFields } from './limit-input.js'

const body = z.strictObject(limitFieldsShape)

describe('limit fields', () => {
  it('takes positive integers and null', () => {
    const checked = checkInput(body, {
      rpm_limit: 60,
      tpm_limit: null,
      max_parallel_requests: 2,
      token_budget: 9_000_000_000,
      budget_period: 'week',
    })
    expect(checked).toEqual({
      ok: true,
      value: {
        rpm_limit: 60,
        tpm_limit: null,
        max_parallel_requests: 2,
        token_budget: 9_000_000_000,
        budget_period: 'week',
      },
    })
  })

  it.each([
    ['rpm_limit', 0],
    ['rpm_limit', -1],
    ['tpm_limit', 1.5],
    ['max_parallel_requests', '3'],
    ['token_budget', 0],
    ['token_budget', true],
    ['rpm_limit', 2_147_483_648],
    ['budget_period', 'year'],
    ['budget_period', 1],
  ])('refuses %s = %j, naming the field', (field, value) => {
    const checked = checkInput(body, { [field]: value })
    expect(checked.ok).toBe(false)
    expect(!checked.ok && checked.param).toBe(field)
    expect(!checked.ok && checked.message).toMatch(new RegExp(`^${field}: `))
  })

  it('picks only the fields given, and fills the rest with null for a creation', () => {
    expect(pickLimitFields({ rpm_limit: null, tpm_limit: 5 })).toEqual({
      rpm_limit: null,
      tpm_limit: 5,
    })
    expect(limitColumns({ tpm_limit: 5 })).toEqual({
      rpm_limit: null,
      tpm_limit: 5,
      max_parallel_requests: null,
      token_budget: null,
      budget_period: null,
    })
  })

  it('finds a key limit above its owner, never one where either side has none', () => {
    const owner = limitColumns({ rpm_limit: 10, token_budget: 1000 })
    expect(limitAboveOwner(limitColumns({ rpm_limit: 10 }), owner)).toBeUndefined()
    expect(limitAboveOwner(limitColumns({ tpm_limit: 99 }), owner)).toBeUndefined()
    expect(limitAboveOwner(limitColumns({ rpm_limit: 11 }), owner)).toEqual({
      field: 'rpm_limit',
      ownerValue: 10,
    })
    expect(limitAboveOwner(limitColumns({ token_budget: 1001 }), owner)).toEqual({
      field: 'token_budget',
      ownerValue: 1000,
    })
  })
})

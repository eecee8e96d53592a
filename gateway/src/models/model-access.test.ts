import { describe, expect, it } from 'vitest'
import { ALL_SCOPES, type Principal } from '../auth/principal.js'
import type { AccessPolicy } from '../db/tables.js'
import { buildSnapshot, listIn, resolveIn } from './model-access.js'

interface TestModel {
  id: number
  name: string
  accessPolicy: AccessPolicy
  allowedUserIds: ReadonlySet<number>
}

const model = (
  id: number,
  name: string,
  policy: AccessPolicy,
  grants: number[] = [],
): TestModel => ({
  id,
  name,
  accessPolicy: policy,
  allowedUserIds: new Set(grants),
})

const snapshot = buildSnapshot([
  model(3, 'qwen', 'authed'),
  model(1, 'llama', 'authed'),
  model(2, 'secret-model', 'allowed_users', [7]),
])

function principal(over: Partial<Principal> = {}): Principal {
  return {
    userId: 5,
    username: 'u',
    isAdmin: false,
    keyId: 1,
    scope: ALL_SCOPES,
    allowedModelNames: null,
    limits: [],
    allowedAddresses: null,
    ...over,
  }
}

const names = (p: Principal) => listIn(snapshot, p).map((m) => m.name)

describe('model access rule', () => {
  it('lets every user use an authed model', () => {
    expect(resolveIn(snapshot, principal(), 'llama')?.id).toBe(1)
  })

  it('lets only granted users use an allowed_users model', () => {
    expect(resolveIn(snapshot, principal({ userId: 5 }), 'secret-model')).toBeUndefined()
    expect(resolveIn(snapshot, principal({ userId: 7 }), 'secret-model')?.id).toBe(2)
  })

  it('lets an admin use every model', () => {
    expect(names(principal({ isAdmin: true }))).toEqual(['llama', 'qwen', 'secret-model'])
  })

  it('answers an unknown model and a forbidden one the same way', () => {
    expect(resolveIn(snapshot, principal(), 'nope')).toBeUndefined()
    expect(resolveIn(snapshot, principal(), 'secret-model')).toBeUndefined()
  })

  it('intersects the owner access with the key allowlist', () => {
    const p = principal({ userId: 7, allowedModelNames: new Set(['qwen', 'secret-model', 'gone']) })
    expect(names(p)).toEqual(['qwen', 'secret-model'])
    expect(resolveIn(snapshot, p, 'llama')).toBeUndefined()
  })

  it('does not widen access through the allowlist', () => {
    const p = principal({ userId: 5, allowedModelNames: new Set(['secret-model']) })
    expect(names(p)).toEqual([])
  })

  it('limits an admin key by its allowlist too', () => {
    const p = principal({ isAdmin: true, allowedModelNames: new Set(['secret-model']) })
    expect(names(p)).toEqual(['secret-model'])
  })

  it('treats an empty allowlist as every model the owner may use', () => {
    expect(names(principal({ allowedModelNames: new Set() }))).toEqual(['llama', 'qwen'])
  })

  it('lists exactly what resolve accepts, sorted by name', () => {
    for (const p of [principal(), principal({ userId: 7 }), principal({ isAdmin: true })]) {
      const accepted = [...snapshot.byName.keys()].filter((n) => resolveIn(snapshot, p, n))
      expect(names(p)).toEqual(accepted.sort())
    }
  })
})

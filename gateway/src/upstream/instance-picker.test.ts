import { describe, expect, it } from 'vitest'
import type { InstanceTarget } from '../models/model-registry.js'
import { pickInstance } from './instance-picker.js'

function inst(url: string, weight = 1): InstanceTarget {
  return { id: 1, url, weight, worker: '', apiKey: null }
}

describe('pickInstance', () => {
  const a = inst('http://a')
  const b = inst('http://b')
  it('picks the instance with the fewest outstanding requests', () => {
    const load: Record<string, number> = { 'http://a': 3, 'http://b': 1 }
    const state = { outstanding: (u: string) => load[u] ?? 0, isEligible: () => true }
    expect(pickInstance([a, b], state, 0)?.url).toBe('http://b')
  })

  it('weighs outstanding requests by weight', () => {
    const heavy = inst('http://h', 4)
    const load: Record<string, number> = { 'http://a': 1, 'http://h': 3 }
    const state = { outstanding: (u: string) => load[u] ?? 0, isEligible: () => true }
    expect(pickInstance([a, heavy], state, 0)?.url).toBe('http://h')
  })

  it('spreads ties by rotation', () => {
    const state = { outstanding: () => 0, isEligible: () => true }
    expect(pickInstance([a, b], state, 0)?.url).toBe('http://a')
    expect(pickInstance([a, b], state, 1)?.url).toBe('http://b')
  })

  it('skips unhealthy instances and returns undefined when none is eligible', () => {
    const state = { outstanding: () => 0, isEligible: (u: string) => u !== 'http://a' }
    expect(pickInstance([a, b], state, 0)?.url).toBe('http://b')
    expect(pickInstance([a], state, 0)).toBeUndefined()
    expect(pickInstance([], state, 0)).toBeUndefined()
  })
})

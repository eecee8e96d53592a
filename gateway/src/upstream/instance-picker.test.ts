import { describe, expect, it } from 'vitest'
import type { InstanceTarget } from '../models/model-registry.js'
import type { InstanceHealth } from './instance-health.js'
import { type AddressState, type Endpoint, pickEndpoint } from './instance-picker.js'

function inst(url: string, weight = 1): InstanceTarget {
  return { id: 1, url, weight, worker: '', apiKey: null }
}

class Addr implements AddressState {
  constructor(
    readonly name: string,
    public outstanding = 0,
    public health: InstanceHealth = 'healthy',
  ) {}
}

/** Each instance's endpoints: one address per instance unless `extra` gives more. */
function routes(map: Map<InstanceTarget, Addr[]>) {
  const cache = new Map<InstanceTarget, Endpoint<Addr>[]>()
  for (const [i, addrs] of map) {
    cache.set(
      i,
      addrs.map((address) => ({ instance: i, address })),
    )
  }
  return (i: InstanceTarget) => cache.get(i) ?? []
}

function pickName(
  map: Map<InstanceTarget, Addr[]>,
  rotation = 0,
  avoid?: Addr,
): string | undefined {
  return pickEndpoint([...map.keys()], routes(map), rotation, avoid)?.address.name
}

describe('pickEndpoint', () => {
  it('picks the address with the fewest outstanding requests', () => {
    const map = new Map([
      [inst('http://a'), [new Addr('a', 3)]],
      [inst('http://b'), [new Addr('b', 1)]],
    ])
    expect(pickName(map)).toBe('b')
  })

  it('weighs outstanding requests by the instance weight', () => {
    const map = new Map([
      [inst('http://a'), [new Addr('a', 1)]],
      [inst('http://h', 4), [new Addr('h', 3)]],
    ])
    expect(pickName(map)).toBe('h')
  })

  it('spreads ties by rotation, across instances and across the addresses of one instance', () => {
    const map = new Map([[inst('http://a'), [new Addr('a1'), new Addr('a2')]]])
    expect(pickName(map, 0)).toBe('a1')
    expect(pickName(map, 1)).toBe('a2')
    const two = new Map([
      [inst('http://a'), [new Addr('a')]],
      [inst('http://b'), [new Addr('b')]],
    ])
    expect(pickName(two, 0)).toBe('a')
    expect(pickName(two, 1)).toBe('b')
  })

  it('never picks an unhealthy address, and returns undefined when nothing is eligible', () => {
    const map = new Map([
      [inst('http://a'), [new Addr('a', 0, 'unhealthy')]],
      [inst('http://b'), [new Addr('b', 9)]],
    ])
    expect(pickName(map)).toBe('b')
    expect(pickName(new Map([[inst('http://a'), [new Addr('a', 0, 'unhealthy')]]]))).toBeUndefined()
    expect(pickName(new Map())).toBeUndefined()
    expect(pickName(new Map([[inst('http://dns'), []]]))).toBeUndefined()
  })

  it('prefers a busy healthy address to an idle one never probed, but uses unknown ones when alone', () => {
    const map = new Map([
      [inst('http://new'), [new Addr('new', 0, 'unknown')]],
      [inst('http://up'), [new Addr('up', 5)]],
    ])
    expect(pickName(map, 0)).toBe('up')
    expect(pickName(map, 1)).toBe('up')
    const fresh = new Map([
      [inst('http://a'), [new Addr('a', 2, 'unknown')]],
      [inst('http://b'), [new Addr('b', 1, 'unknown')]],
    ])
    expect(pickName(fresh)).toBe('b')
  })

  it('skips the address to avoid (the one that just failed)', () => {
    const a = new Addr('a')
    const map = new Map([
      [inst('http://a'), [a]],
      [inst('http://b'), [new Addr('b', 7)]],
    ])
    expect(pickName(map, 0, a)).toBe('b')
    expect(pickName(new Map([[inst('http://a'), [a]]]), 0, a)).toBeUndefined()
  })

  it('ignores instances with weight 0 (drained by the operator)', () => {
    const map = new Map([
      [inst('http://a', 0), [new Addr('a')]],
      [inst('http://b'), [new Addr('b', 3)]],
    ])
    expect(pickName(map)).toBe('b')
  })
})

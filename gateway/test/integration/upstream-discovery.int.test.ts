import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeEngine, startFakeEngine, waitUntil } from '../support/fake-engine.js'
import { type RoutingFixture, startRoutingFixture } from '../support/routing-fixture.js'
import { dbTargets } from '../support/test-db.js'

/**
 * A Kubernetes headless Service played by a map: `engine.test` resolves to one loopback address per "pod"
 * (Linux routes all of 127/8 to lo), every pod listening on the same port, as pods of one Deployment do.
 */
const NAME = 'engine.test'

interface AdminModel {
  name: string
  health: string
  instances: { url: string; health: string }[]
}

describe.each(dbTargets())('engine discovery through DNS on %s', (target) => {
  let f: RoutingFixture
  const pods = new Map<string, FakeEngine>()
  let records: string[] = []
  let lookups = 0
  let url = ''

  async function startPod(address: string, port: number): Promise<FakeEngine> {
    const e = await startFakeEngine({ flavour: 'vllm', host: address, port })
    pods.set(address, e)
    return e
  }

  beforeAll(async () => {
    const first = await startFakeEngine({ flavour: 'vllm', host: '127.0.0.2' })
    pods.set('127.0.0.2', first)
    await startPod('127.0.0.3', first.port)
    await startPod('127.0.0.4', first.port)
    records = ['127.0.0.2', '127.0.0.3']
    url = `http://${NAME}:${first.port}`
    f = await startRoutingFixture(target, {
      env: { KEYGATE_HEALTH_INTERVAL_MS: '100' },
      resolveHost: async (host) => {
        lookups++
        if (host !== NAME || records.length === 0) {
          throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
        }
        return [...records]
      },
    })
    await f.addModel('headless', [url])
  })
  afterAll(async () => {
    await f?.close()
    await Promise.all([...pods.values()].map((p) => p.close()))
  })

  const addresses = () => f.gw.deps.upstreams.addressesOf(url)
  const allHealthy = (n: number) => () =>
    addresses().length === n && addresses().every((a) => a.health === 'healthy')
  const served = () => new Map([...pods].map(([ip, p]) => [ip, p.inferenceRequests().length]))

  async function callMany(n: number): Promise<Map<string, number>> {
    const before = served()
    for (let i = 0; i < n; i++) {
      const res = await f.chat('headless')
      expect(res.status).toBe(200)
      await res.text()
    }
    const after = served()
    return new Map([...after].map(([ip, count]) => [ip, count - (before.get(ip) ?? 0)]))
  }

  it('makes one instance per address and spreads requests over them, sending the name as Host', async () => {
    await waitUntil(allHealthy(2), 5_000, 'two healthy addresses')
    expect(addresses().map((a) => a.address)).toEqual([
      `http://127.0.0.2:${pods.get('127.0.0.2')?.port}`,
      `http://127.0.0.3:${pods.get('127.0.0.3')?.port}`,
    ])
    const spread = await callMany(10)
    expect(spread.get('127.0.0.2')).toBeGreaterThan(0)
    expect(spread.get('127.0.0.3')).toBeGreaterThan(0)
    expect(spread.get('127.0.0.4')).toBe(0)
    const host = pods.get('127.0.0.2')?.inferenceRequests().at(-1)?.headers.host
    expect(host).toBe(new URL(url).host)
  })

  it('shows the name as one healthy instance in /v2/models and each address in /metrics', async () => {
    const body = (await (await f.adminGet('/v2/models?perPage=100')).json()) as {
      items: AdminModel[]
    }
    const model = body.items.find((m) => m.name === 'headless')
    expect(model?.instances).toEqual([expect.objectContaining({ url, health: 'healthy' })])
    for (const a of addresses()) {
      await expect.poll(() => f.upValue('headless', a.address)).toBe(1)
    }
  })

  it('stops sending to a pod that left DNS and starts sending to one that joined, without a restart', async () => {
    const gone = addresses().find((a) => a.address.includes('127.0.0.3'))?.address ?? ''
    records = ['127.0.0.2']
    await waitUntil(allHealthy(1), 5_000, 'the removed address is dropped')
    const one = await callMany(6)
    expect(one.get('127.0.0.2')).toBe(6)
    expect(one.get('127.0.0.3')).toBe(0)
    await expect.poll(() => f.upValue('headless', gone)).toBeUndefined()

    records = ['127.0.0.2', '127.0.0.4']
    await waitUntil(allHealthy(2), 5_000, 'the new address is probed')
    const two = await callMany(10)
    expect(two.get('127.0.0.4')).toBeGreaterThan(0)
    expect(two.get('127.0.0.3')).toBe(0)
  })

  it('keeps the last addresses while the name does not resolve', async () => {
    records = []
    const seen = lookups
    await waitUntil(() => lookups >= seen + 2, 5_000, 'two failed lookups')
    expect(addresses()).toHaveLength(2)
    const spread = await callMany(4)
    expect((spread.get('127.0.0.2') ?? 0) + (spread.get('127.0.0.4') ?? 0)).toBe(4)
    records = ['127.0.0.2', '127.0.0.4']
  })

  it('marks a pod that stops answering down while its address is still in DNS', async () => {
    await pods.get('127.0.0.4')?.close()
    await waitUntil(
      () => addresses().find((a) => a.address.includes('127.0.0.4'))?.health === 'unhealthy',
      5_000,
      'dead pod marked down',
    )
    expect(f.gw.deps.upstreams.healthOf(url)).toBe('healthy')
    const after = await callMany(4)
    expect(after.get('127.0.0.2')).toBe(4)
  })
})

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type FakeEngine, startFakeEngine, waitUntil } from '../support/fake-engine.js'
import {
  type RoutingFixture,
  runConcurrently,
  startRoutingFixture,
} from '../support/routing-fixture.js'
import { dbTargets } from '../support/test-db.js'

interface AdminModel {
  name: string
  health: string
  instances: { url: string; health: string }[]
}

function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => f.slice(6))
}

/** Engines a test started; closed after it whatever happened. */
function engineList() {
  const list: FakeEngine[] = []
  return {
    async start(options: Parameters<typeof startFakeEngine>[0]): Promise<FakeEngine> {
      const e = await startFakeEngine(options)
      list.push(e)
      return e
    },
    async closeAll() {
      await Promise.all(list.splice(0).map((e) => e.close().catch(() => undefined)))
    },
  }
}

describe.each(dbTargets())('engine health checks on %s', (target) => {
  let f: RoutingFixture
  const engines = engineList()
  beforeAll(async () => {
    f = await startRoutingFixture(target, { env: { KEYGATE_HEALTH_INTERVAL_MS: '100' } })
  })
  afterEach(() => engines.closeAll())
  afterAll(() => f?.close())

  const health = (url: string) => f.gw.deps.upstreams.healthOf(url)

  it('sends a loading llama.cpp instance no traffic until its /health answers 200', async () => {
    const ready = await engines.start({ flavour: 'llamacpp' })
    const loading = await engines.start({ flavour: 'llamacpp', loading: true })
    await f.addModel('loading-pair', [ready, loading], 'llama.cpp')
    await waitUntil(
      () => health(ready.url) === 'healthy' && health(loading.url) === 'unhealthy',
      5_000,
      'first probes',
    )
    for (let i = 0; i < 8; i++) {
      expect((await f.chat('loading-pair')).status).toBe(200)
    }
    expect(loading.inferenceRequests()).toHaveLength(0)
    expect(ready.inferenceRequests()).toHaveLength(8)
    expect(loading.requests.some((r) => r.path === '/health')).toBe(true)

    loading.setLoading(false)
    await waitUntil(() => health(loading.url) === 'healthy', 5_000, 'loaded instance healthy')
    for (let i = 0; i < 8; i++) {
      expect((await f.chat('loading-pair')).status).toBe(200)
    }
    expect(loading.inferenceRequests().length).toBeGreaterThan(0)
  })

  it('shows each instance health to admins in /v2/models and in keygate_upstream_up', async () => {
    const up = await engines.start({ flavour: 'vllm' })
    const loading = await engines.start({ flavour: 'llamacpp', loading: true })
    await f.addModel('visible-health', [up, loading])
    await waitUntil(
      () => health(up.url) === 'healthy' && health(loading.url) === 'unhealthy',
      5_000,
      'first probes',
    )
    const res = await f.adminGet('/v2/models?perPage=100')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { items: AdminModel[] }
    const model = body.items.find((m) => m.name === 'visible-health')
    expect(model?.health).toBe('healthy')
    expect(model?.instances).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ url: up.url, health: 'healthy' }),
        expect.objectContaining({ url: loading.url, health: 'unhealthy' }),
      ]),
    )
    await expect.poll(() => f.upValue('visible-health', up.url)).toBe(1)
    await expect.poll(() => f.upValue('visible-health', loading.url)).toBe(0)

    loading.setLoading(false)
    await expect.poll(() => f.upValue('visible-health', loading.url), { timeout: 5_000 }).toBe(1)
  })

  it('answers 503 upstream_unavailable with Retry-After when every instance is down', async () => {
    const a = await engines.start({ flavour: 'vllm' })
    const b = await engines.start({ flavour: 'vllm' })
    await f.addModel('all-down', [a, b])
    await waitUntil(() => health(a.url) === 'healthy', 5_000, 'first probe')
    await a.close()
    await b.close()
    await waitUntil(
      () => health(a.url) === 'unhealthy' && health(b.url) === 'unhealthy',
      5_000,
      'instances marked down',
    )
    const res = await f.chat('all-down')
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'upstream_unavailable',
    )
  })

  it('takes an instance back once it answers its health check again', async () => {
    const a = await engines.start({ flavour: 'vllm' })
    const b = await engines.start({ flavour: 'vllm' })
    await f.addModel('comes-back', [a, b])
    await waitUntil(() => health(a.url) === 'healthy', 5_000, 'first probe')
    await a.close()
    await waitUntil(() => health(a.url) === 'unhealthy', 5_000, 'a marked down')
    const again = await engines.start({ flavour: 'vllm', port: a.port })
    await waitUntil(() => health(a.url) === 'healthy', 5_000, 'a healthy again')
    for (let i = 0; i < 6; i++) {
      expect((await f.chat('comes-back')).status).toBe(200)
    }
    expect(again.inferenceRequests().length).toBeGreaterThan(0)
  })

  it('sends a request whose connection was reset before any answer to the other instance', async () => {
    const resetting = await engines.start({ flavour: 'vllm', script: { kind: 'reset' } })
    const good = await engines.start({ flavour: 'vllm' })
    await f.addModel('reset-pair', [resetting, good])
    await waitUntil(
      () => health(resetting.url) === 'healthy' && health(good.url) === 'healthy',
      5_000,
      'first probes',
    )
    for (let i = 0; i < 6; i++) {
      const res = await f.chat('reset-pair', { stream: i % 2 === 0 })
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('Hello')
    }
    expect(resetting.inferenceRequests().length).toBeGreaterThan(0)
    expect(good.inferenceRequests()).toHaveLength(6)
  })

  it('tries a request at most twice, then answers 502 upstream_error', async () => {
    const a = await engines.start({ flavour: 'vllm', script: { kind: 'reset' } })
    const b = await engines.start({ flavour: 'vllm', script: { kind: 'reset' } })
    await f.addModel('both-reset', [a, b])
    await waitUntil(
      () => health(a.url) === 'healthy' && health(b.url) === 'healthy',
      5_000,
      'first probes',
    )
    const res = await f.chat('both-reset')
    expect(res.status).toBe(502)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_error')
    expect(a.inferenceRequests().length + b.inferenceRequests().length).toBe(2)
  })

  it('retries a reset once on the same instance when it is the only one (a stale keep-alive socket)', async () => {
    let calls = 0
    const only = await engines.start({
      flavour: 'vllm',
      script: () => (++calls === 1 ? { kind: 'reset' } : { kind: 'normal' }),
    })
    await f.addModel('single-reset', [only])
    await waitUntil(() => health(only.url) === 'healthy', 5_000, 'first probe')
    const res = await f.chat('single-reset')
    expect(res.status).toBe(200)
    expect(only.inferenceRequests()).toHaveLength(2)
  })
})

describe.each(dbTargets())('engine failover under load on %s', (target) => {
  let f: RoutingFixture
  const engines = engineList()
  beforeAll(async () => {
    // Probes are far apart here, so only the proxy's own mark-down can explain an instance going down.
    f = await startRoutingFixture(target, { env: { KEYGATE_HEALTH_INTERVAL_MS: '60000' } })
  })
  afterEach(() => engines.closeAll())
  afterAll(() => f?.close())

  it('loses no request started after one of two instances dies, and marks it down at once', async () => {
    const doomed = await engines.start({ flavour: 'vllm' })
    const survivor = await engines.start({ flavour: 'vllm' })
    await f.addModel('kill-one', [doomed, survivor])
    const health = (url: string) => f.gw.deps.upstreams.healthOf(url)
    await waitUntil(
      () => health(doomed.url) === 'healthy' && health(survivor.url) === 'healthy',
      5_000,
      'first probes (an instance seen for the first time is probed at once)',
    )
    let killed = false
    let survivorBefore = 0
    const results = await runConcurrently(40, 4, async (i) => {
      if (i === 12 && !killed) {
        killed = true
        survivorBefore = survivor.inferenceRequests().length
        await doomed.close()
      }
      const startedAfterKill = killed
      try {
        const res = await f.chat('kill-one', { stream: i % 2 === 1 })
        const text = await res.text()
        const ok =
          res.status === 200 &&
          !text.includes('"error"') &&
          (i % 2 === 0 || sseData(text).at(-1) === '[DONE]')
        return { startedAfterKill, ok }
      } catch {
        return { startedAfterKill, ok: false }
      }
    })
    expect(results.filter((r) => r.startedAfterKill && !r.ok)).toEqual([])
    // At most the calls in flight at the moment of the kill could have failed.
    expect(results.filter((r) => !r.ok).length).toBeLessThanOrEqual(4)
    expect(health(doomed.url)).toBe('unhealthy')
    const afterKill = results.filter((r) => r.startedAfterKill).length
    expect(survivor.inferenceRequests().length - survivorBefore).toBeGreaterThanOrEqual(afterKill)
  })

  it('answers 502 when the only instance refuses the connection, then 503 while it is down', async () => {
    const gone = await engines.start({ flavour: 'vllm' })
    await gone.close()
    await f.addModel('refuses', [gone])
    const first = await f.chat('refuses')
    expect(first.status).toBe(502)
    expect(((await first.json()) as { error: { code: string } }).error.code).toBe('upstream_error')
    expect(f.gw.deps.upstreams.healthOf(gone.url)).toBe('unhealthy')
    const second = await f.chat('refuses')
    expect(second.status).toBe(503)
    expect(second.headers.get('retry-after')).toMatch(/^\d+$/)
  })

  it('gives the client one error frame and a clean end when its engine dies mid-stream', async () => {
    const dying = await engines.start({ flavour: 'vllm', script: { kind: 'slow', gapMs: 50 } })
    await f.addModel('dies-mid-stream', [dying])
    const res = await f.chat('dies-mid-stream', { stream: true })
    expect(res.status).toBe(200)
    const reader = res.body?.getReader()
    const decoder = new TextDecoder()
    let text = decoder.decode((await reader?.read())?.value)
    await dying.close()
    for (;;) {
      const chunk = await reader?.read()
      if (chunk === undefined || chunk.done) {
        break
      }
      text += decoder.decode(chunk.value)
    }
    const data = sseData(text)
    expect(data.filter((d) => d.includes('"error"'))).toHaveLength(1)
    expect(JSON.parse(data.at(-2) ?? '')).toMatchObject({ error: { code: 'upstream_error' } })
    expect(data.at(-1)).toBe('[DONE]')
  })
})

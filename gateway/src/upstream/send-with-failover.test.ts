import { errors } from 'undici'
import { describe, expect, it } from 'vitest'
import type { InstanceTarget } from '../models/model-registry.js'
import type { EngineAddress } from './engine-address.js'
import { sendWithFailover } from './send-with-failover.js'
import type { UpstreamEndpoint, UpstreamPool, UpstreamResponse } from './upstream-pool.js'
import { UpstreamExchange } from './upstream-response.js'
import type { UpstreamSignal } from './upstream-signal.js'

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
const reset = () => new errors.SocketError('other side closed')

/**
 * A pool over named endpoints: `pick` returns the first one not avoided and not marked down; `send` plays the
 * scripted outcome of each endpoint in turn (an Error rejects).
 */
function fakePool(script: Record<string, (Error | 'ok')[]>) {
  const names = Object.keys(script)
  const endpoints = names.map(
    (name): UpstreamEndpoint => ({
      instance: { id: 1, url: `http://${name}`, weight: 1, worker: '', apiKey: null },
      address: { key: name } as unknown as EngineAddress,
    }),
  )
  const down = new Set<string>()
  const sent: string[] = []
  const pool: UpstreamPool = {
    healthOf: () => 'healthy',
    addressesOf: () => [],
    pick: (_instances, avoid) =>
      endpoints.find((e) => e.address !== avoid && !down.has(e.address.key)),
    async send(endpoint): Promise<UpstreamResponse> {
      const name = endpoint.address.key
      sent.push(name)
      const next = script[name]?.shift() ?? 'ok'
      if (next !== 'ok') {
        throw next
      }
      return { status: 200, headers: {}, body: new UpstreamExchange(signal(false), () => {}) }
    },
    markDown: (address) => {
      down.add(address.key)
    },
    startHealthChecks: () => undefined,
    timeouts: { headersMs: 1, idleMs: 1 },
    close: async () => undefined,
  }
  return { pool, sent, down }
}

const INSTANCES: InstanceTarget[] = []

function signal(aborted: boolean): UpstreamSignal {
  return { aborted, onAbort: () => undefined }
}

function send(pool: UpstreamPool, callSignal = signal(false)) {
  return sendWithFailover(pool, INSTANCES, () => ({
    path: '/v1/chat/completions',
    headers: {},
    body: new Uint8Array(),
    signal: callSignal,
  }))
}

describe('sendWithFailover', () => {
  it('sends once when the first endpoint answers', async () => {
    const { pool, sent } = fakePool({ a: ['ok'], b: [] })
    expect((await send(pool)).ok).toBe(true)
    expect(sent).toEqual(['a'])
  })

  it('marks a refusing endpoint down and sends to the next one', async () => {
    const { pool, sent, down } = fakePool({ a: [refused()], b: ['ok'] })
    const out = await send(pool)
    expect(out.ok && out.endpoint.address.key).toBe('b')
    expect(sent).toEqual(['a', 'b'])
    expect([...down]).toEqual(['a'])
  })

  it('moves a reset to another endpoint, marking the first down', async () => {
    const { pool, sent, down } = fakePool({ a: [reset()], b: ['ok'] })
    expect((await send(pool)).ok).toBe(true)
    expect(sent).toEqual(['a', 'b'])
    expect([...down]).toEqual(['a'])
  })

  it('retries a reset on the same endpoint when it is the only one, without marking it down', async () => {
    const { pool, sent, down } = fakePool({ a: [reset(), 'ok'] })
    expect((await send(pool)).ok).toBe(true)
    expect(sent).toEqual(['a', 'a'])
    expect(down.size).toBe(0)
  })

  it('gives up after the second attempt', async () => {
    const { pool, sent } = fakePool({ a: [refused()], b: [reset()], c: ['ok'] })
    await expect(send(pool)).rejects.toThrow('other side closed')
    expect(sent).toEqual(['a', 'b'])
  })

  it('rethrows a refusal when no other endpoint is left', async () => {
    const { pool, sent } = fakePool({ a: [refused()] })
    await expect(send(pool)).rejects.toThrow('ECONNREFUSED')
    expect(sent).toEqual(['a'])
  })

  it('never retries a headers timeout, or anything once the client left', async () => {
    const timeout = fakePool({ a: [new errors.HeadersTimeoutError()], b: ['ok'] })
    await expect(send(timeout.pool)).rejects.toBeInstanceOf(errors.HeadersTimeoutError)
    expect(timeout.sent).toEqual(['a'])
    const aborted = fakePool({ a: [reset()], b: ['ok'] })
    await expect(send(aborted.pool, signal(true))).rejects.toThrow()
    expect(aborted.sent).toEqual(['a'])
  })

  it('reports no instance when nothing can be picked', async () => {
    const { pool } = fakePool({})
    expect(await send(pool)).toEqual({ ok: false })
  })
})

import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import type { Deps } from '../deps.js'
import { createMetrics } from '../observability/metrics.js'
import { createProxyListener } from './proxy-exchange.js'

const ROUTE = { path: '/v1/chat/completions', enginePath: '/v1/chat/completions' }

describe('createProxyListener', () => {
  it('never rejects: an answer that cannot be written is logged and the connection closed', async () => {
    const logged: string[] = []
    const deps = {
      config: { maxBodyBytes: 1024 },
      keys: { verify: () => ({ ok: false, reason: 'unknown' }) },
      sessions: { verify: async () => null },
      metrics: createMetrics(),
      logger: { error: (_: unknown, message: string) => logged.push(message) },
    } as unknown as Deps
    let destroyed = false
    const req = { method: 'POST', headers: { authorization: `Bearer ${'k'.repeat(40)}` } }
    const res = {
      destroyed: false,
      headersSent: false,
      writeHead: () => {
        throw new Error('the socket went away mid-write')
      },
      destroy: () => {
        destroyed = true
      },
    }
    await expect(
      createProxyListener(deps)(
        ROUTE,
        req as unknown as IncomingMessage,
        res as unknown as ServerResponse,
      ),
    ).resolves.toBeUndefined()
    expect(logged).toEqual(['could not answer a failed request'])
    expect(destroyed).toBe(true)
  })
})

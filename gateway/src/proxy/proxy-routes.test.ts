import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { describe, expect, it } from 'vitest'
import { createMetrics } from '../observability/metrics.js'
import { RequestRecorder } from '../observability/request-recorder.js'
import type { UsageRecorder } from '../usage/usage-recorder.js'
import type { ProxyServices } from './proxy-exchange.js'
import { createProxyListener, PROXY_ROUTES, proxyRouteFor } from './proxy-routes.js'

const ROUTE = PROXY_ROUTES[0] as (typeof PROXY_ROUTES)[number]

describe('proxyRouteFor', () => {
  it('matches POST to exactly a proxied path, ignoring the query string', () => {
    expect(proxyRouteFor('POST', '/v1/chat/completions?x=1')).toBe(ROUTE)
    expect(ROUTE.path).toBe('/v1/chat/completions')
    expect(proxyRouteFor('POST', '/v1/messages?beta=true')?.dialect).toBe('anthropic')
    expect(proxyRouteFor('POST', '/v1/audio/transcriptions')?.body).toBe('multipart')
    expect(proxyRouteFor('GET', '/v1/chat/completions')).toBeUndefined()
    expect(proxyRouteFor('POST', '/v1/chat/completions/')).toBeUndefined()
    expect(proxyRouteFor('POST', '/tokenize')).toBeUndefined()
  })
})

describe('createProxyListener', () => {
  it('never rejects: an answer that cannot be written is logged and the connection closed', async () => {
    const logged: string[] = []
    const logger = {
      child: () => logger,
      error: (_: unknown, message: string) => logged.push(message),
      isLevelEnabled: () => false,
    } as unknown as Logger
    const metrics = createMetrics()
    const services = {
      auth: {
        keys: { verify: () => ({ ok: false, reason: 'unknown' }) },
        sessions: { verify: async () => null },
        metrics,
      },
      recorder: new RequestRecorder({ metrics, usage: {} as UsageRecorder }),
      logger,
      maxBodyBytes: 1024,
    } as unknown as ProxyServices
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
      createProxyListener(services)(
        ROUTE,
        req as unknown as IncomingMessage,
        res as unknown as ServerResponse,
      ),
    ).resolves.toBeUndefined()
    expect(logged).toEqual(['could not answer a failed request'])
    expect(destroyed).toBe(true)
  })
})

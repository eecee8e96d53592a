import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import type { AppEnv } from '../http/app-env.js'
import { onError } from '../http/on-error.js'
import { bodyLimit } from './body-limit.js'

function appWithLimit(maxBytes: number) {
  const app = new Hono<AppEnv>()
  app.onError(onError)
  app.use('*', bodyLimit(maxBytes))
  app.post('/echo', async (c) => c.text(await c.req.text()))
  return app
}

function chunkedBody(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes.subarray(0, 3))
      controller.enqueue(bytes.subarray(3))
      controller.close()
    },
  })
}

describe('bodyLimit', () => {
  it('refuses a declared Content-Length over the limit with 413 request_too_large', async () => {
    const res = await appWithLimit(8).request('/echo', {
      method: 'POST',
      body: '0123456789',
      headers: { 'content-length': '10' },
    })
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ error: { code: 'request_too_large' } })
  })

  it('lets a body within the limit through unchanged', async () => {
    const res = await appWithLimit(10).request('/echo', { method: 'POST', body: '0123456789' })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('0123456789')
  })

  it('counts a body without Content-Length and hands it on to the route', async () => {
    const ok = await appWithLimit(16).request('/echo', {
      method: 'POST',
      body: chunkedBody('hello world'),
      duplex: 'half',
    } as RequestInit)
    expect(await ok.text()).toBe('hello world')
    const tooBig = await appWithLimit(5).request('/echo', {
      method: 'POST',
      body: chunkedBody('hello world'),
      duplex: 'half',
    } as RequestInit)
    expect(tooBig.status).toBe(413)
  })

  it('refuses a limit that is not a positive integer when created', () => {
    expect(() => bodyLimit(0)).toThrow(/positive integer/)
  })
})

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type ProxyFixture, post, startProxyFixture } from '../support/proxy-fixture.js'
import { dbTargets } from '../support/test-db.js'

const CHAT = { model: 'chat-vllm', messages: [{ role: 'user', content: 'hi' }] }

/** Non-streaming answers: small ones are read whole and sent in one write, large ones are relayed as a stream. */
describe.each(dbTargets())('proxy non-streaming answers on %s', (target) => {
  let f: ProxyFixture
  beforeAll(async () => {
    f = await startProxyFixture(target)
  })
  afterAll(async () => {
    await f?.close()
  })
  beforeEach(() => {
    f.vllm.setScript({ kind: 'normal' })
  })

  it('relays an answer larger than the whole-read limit byte for byte, usage included', async () => {
    f.vllm.setScript({ kind: 'normal', padBytes: 600 * 1024 })
    const res = await post(f, '/v1/chat/completions', CHAT)
    expect(res.status).toBe(200)
    const text = await res.text()
    const body = JSON.parse(text) as { pad: string; usage: { prompt_tokens: number } }
    expect(body.pad.length).toBe(600 * 1024)
    expect(body.usage.prompt_tokens).toBeGreaterThan(0)
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text))
  })

  it('answers 502 in the envelope when a small answer breaks off before anything was sent', async () => {
    f.vllm.setScript({ kind: 'destroy_mid_stream' })
    const res = await post(f, '/v1/chat/completions', CHAT)
    expect(res.status).toBe(502)
    expect(await res.json()).toMatchObject({
      error: { code: 'upstream_error', type: 'server_error' },
    })
    f.vllm.setScript({ kind: 'normal' })
    expect((await post(f, '/v1/chat/completions', CHAT)).status).toBe(200)
  })

  it('cuts the connection when a large answer breaks off after its headers were relayed', async () => {
    f.vllm.setScript({ kind: 'destroy_mid_stream', padBytes: 600 * 1024 })
    const res = await post(f, '/v1/chat/completions', CHAT)
    // The 200 and part of the body were already sent: the client must see a broken body, never a complete one.
    expect(res.status).toBe(200)
    await expect(res.text()).rejects.toThrow()
  })
})

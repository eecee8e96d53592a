import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type FakeEngine, startFakeEngine, waitUntil } from '../support/fake-engine.js'
import { type RoutingFixture, startRoutingFixture } from '../support/routing-fixture.js'
import { dbTargets } from '../support/test-db.js'

const TIMEOUT_MS = 400
/** How long a test waits for the engine to see a disconnect (the gateway aborts at once; this is slack). */
const ABORT_SEEN_WITHIN_MS = 2_000

function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => f.slice(6))
}

describe.each(dbTargets())('engine timeouts, cancellation and stream failures on %s', (target) => {
  let f: RoutingFixture
  let vllm: FakeEngine
  let llama: FakeEngine
  beforeAll(async () => {
    f = await startRoutingFixture(target, {
      env: {
        KEYGATE_UPSTREAM_HEADERS_TIMEOUT_MS: String(TIMEOUT_MS),
        KEYGATE_UPSTREAM_IDLE_TIMEOUT_MS: String(TIMEOUT_MS),
      },
    })
    vllm = await startFakeEngine({ flavour: 'vllm' })
    llama = await startFakeEngine({ flavour: 'llamacpp' })
    await f.addModel('t-vllm', [vllm])
    await f.addModel('t-llama', [llama], 'llama.cpp')
  })
  afterEach(() => {
    vllm.setScript({ kind: 'normal' })
    llama.setScript({ kind: 'normal' })
  })
  afterAll(async () => {
    await f?.close()
    await vllm?.close()
    await llama?.close()
  })

  describe('timeouts', () => {
    it.each([false, true])(
      'answers 504 upstream_timeout when the engine sends no headers in time, without a retry (stream=%s)',
      async (stream) => {
        llama.setScript({ kind: 'no_headers' })
        const before = llama.inferenceRequests().length
        const res = await f.chat('t-llama', { stream })
        expect(res.status).toBe(504)
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
          'upstream_timeout',
        )
        expect(llama.inferenceRequests().length - before).toBe(1)
        await waitUntil(
          () => llama.inferenceRequests()[before]?.clientClosed === true,
          ABORT_SEEN_WITHIN_MS,
          'timed-out engine request closed',
        )
      },
    )

    it('ends a stream whose engine sent headers but no token with one upstream_timeout frame and [DONE]', async () => {
      vllm.setScript({ kind: 'stalled', afterFrames: 0 })
      const res = await f.chat('t-vllm', { stream: true })
      expect(res.status).toBe(200)
      const data = sseData(await res.text())
      expect(data).toHaveLength(2)
      expect(JSON.parse(data[0] ?? '')).toMatchObject({ error: { code: 'upstream_timeout' } })
      expect(data[1]).toBe('[DONE]')
    })
  })

  describe('client disconnect', () => {
    async function abortAfterEngineGotIt(
      engine: FakeEngine,
      model: string,
      stream: boolean,
      readFirstChunk: boolean,
    ) {
      const before = engine.inferenceRequests().length
      const abort = new AbortController()
      const pending = f.chat(model, { stream, signal: abort.signal })
      await waitUntil(
        () => engine.inferenceRequests().length > before,
        5_000,
        'engine got the request',
      )
      if (readFirstChunk) {
        const res = await pending
        const first = await res.body?.getReader().read()
        expect(first?.done).toBe(false)
      }
      abort.abort()
      await pending.then(
        (res) => res.body?.cancel().catch(() => undefined),
        () => undefined,
      )
      await waitUntil(
        () => engine.inferenceRequests()[before]?.clientClosed === true,
        ABORT_SEEN_WITHIN_MS,
        'engine saw the disconnect',
      )
      expect(engine.inferenceRequests()[before]?.completed).toBe(false)
    }

    it('aborts a streaming request before the first token (vLLM sent its headers already)', async () => {
      vllm.setScript({ kind: 'stalled', afterFrames: 0 })
      await abortAfterEngineGotIt(vllm, 't-vllm', true, false)
    })

    it('aborts a streaming request after some tokens', async () => {
      llama.setScript({ kind: 'slow', gapMs: 5_000 })
      await abortAfterEngineGotIt(llama, 't-llama', true, true)
    })

    it('aborts a non-streaming request while the engine is generating', async () => {
      vllm.setScript({ kind: 'slow', gapMs: 5_000 })
      await abortAfterEngineGotIt(vllm, 't-vllm', false, false)
    })

    it('aborts a request the engine has not answered at all (llama.cpp sends headers late)', async () => {
      llama.setScript({ kind: 'no_headers' })
      await abortAfterEngineGotIt(llama, 't-llama', true, false)
    })

    it('leaves nothing in flight after the disconnects', async () => {
      const text = await (await fetch(`${f.gw.url}/metrics`)).text()
      for (const model of ['t-vllm', 't-llama']) {
        expect(text).toMatch(new RegExp(`keygate_inflight_requests\\{model="${model}"\\} 0`))
      }
      for (const url of [vllm.url, llama.url]) {
        expect(f.gw.deps.upstreams.addressesOf(url).map((a) => a.outstanding)).toEqual([0])
      }
    })
  })

  describe('stream content', () => {
    it('passes `: ping` comment lines through unchanged', async () => {
      vllm.setScript({ kind: 'normal', ping: true })
      const res = await f.chat('t-vllm', {
        stream: true,
        extra: { stream_options: { include_usage: true } },
      })
      const text = await res.text()
      // role + 4 tokens + usage: one ping before each frame, exactly as the engine wrote them.
      expect(text.match(/^: ping\n\n/gm)).toHaveLength(6)
      expect(text.replaceAll(': ping\n\n', '')).toMatch(/^(data: [^\n]+\n\n)+$/)
      expect(sseData(text).filter((d) => d !== '[DONE]')).toHaveLength(6)
    })

    it("relays llama.cpp's error frame once and adds the [DONE] it omits", async () => {
      llama.setScript({ kind: 'error_mid_stream', afterFrames: 2 })
      const data = sseData(await (await f.chat('t-llama', { stream: true })).text())
      expect(data.filter((d) => d.includes('"error"'))).toHaveLength(1)
      expect(data.at(-1)).toBe('[DONE]')
      expect(data.filter((d) => d === '[DONE]')).toHaveLength(1)
    })
  })
})

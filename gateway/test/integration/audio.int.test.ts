import OpenAI, { toFile } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MODEL_SEARCH_MAX_BYTES } from '../../src/proxy/multipart-model.js'
import { DEFAULT_TOKENS, waitUntil } from '../support/fake-engine.js'
import {
  asBody,
  BOUNDARY,
  type FormPart,
  fakeAudio,
  multipart,
  upload,
} from '../support/multipart-body.js'
import { type ProxyFixture, post, startProxyFixture } from '../support/proxy-fixture.js'
import { dbTargets } from '../support/test-db.js'

/**
 * The audio routes (multipart forms) through the gateway against the fake vLLM: `model` is found as the form
 * streams in, the bytes go to the engine unchanged and as they arrive (only `model` renamed), the body limit
 * holds for the streamed total, and the OpenAI SDK works as a client.
 */

/** Above MODEL_SEARCH_MAX_BYTES, so a form whose model comes late can still be under the limit. */
const MAX_BODY_BYTES = 12 * 1024 * 1024
const TEXT = DEFAULT_TOKENS.join('')

type Envelope = {
  error: { message: string; type: string; param: string | null; code: string | null }
}

describe.each(dbTargets())('audio routes on %s', (target) => {
  let f: ProxyFixture
  let sdk: OpenAI
  const url = (path = '/v1/audio/transcriptions') => `${f.gw.url}${path}`
  const auth = () => ({ authorization: `Bearer ${f.key}` })
  const form = (parts: readonly FormPart[]) =>
    fetch(url(), {
      method: 'POST',
      headers: { ...auth(), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: asBody(multipart(parts)),
    })
  const lastVllm = () => f.vllm.inferenceRequests().at(-1)

  beforeAll(async () => {
    f = await startProxyFixture(target, { KEYGATE_MAX_BODY_BYTES: String(MAX_BODY_BYTES) })
    sdk = new OpenAI({ baseURL: `${f.gw.url}/v1`, apiKey: f.key, maxRetries: 0 })
  })
  afterAll(async () => {
    await f?.close()
  })

  describe('happy', () => {
    it('transcribes and translates through the OpenAI SDK', async () => {
      const file = await toFile(fakeAudio(50_000), 'hello.wav', { type: 'audio/wav' })
      const transcript = await sdk.audio.transcriptions.create({ model: 'plain', file })
      expect(transcript.text).toBe(TEXT)
      expect(lastVllm()?.path).toBe('/v1/audio/transcriptions')
      const translation = await sdk.audio.translations.create({ model: 'plain', file })
      expect(translation.text).toBe(TEXT)
      expect(lastVllm()?.path).toBe('/v1/audio/translations')
    })

    it('forwards the form byte for byte, with its content type and length', async () => {
      const body = multipart([
        { name: 'model', value: 'plain' },
        { name: 'language', value: 'en' },
        { name: 'file', file: fakeAudio(300_000) },
      ])
      const res = await form([
        { name: 'model', value: 'plain' },
        { name: 'language', value: 'en' },
        { name: 'file', file: fakeAudio(300_000) },
      ])
      expect(res.status).toBe(200)
      expect(((await res.json()) as { text: string }).text).toBe(TEXT)
      const seen = lastVllm()
      expect(seen?.body.equals(body)).toBe(true)
      expect(seen?.headers['content-type']).toBe(`multipart/form-data; boundary=${BOUNDARY}`)
      expect(seen?.headers['content-length']).toBe(String(body.byteLength))
      expect(seen?.headers.authorization).toBe('Bearer engine-secret-for-tests')
    })

    it("renames model to the engine's name and changes nothing else", async () => {
      const audio = fakeAudio(100_000)
      const res = await form([
        { name: 'model', value: 'chat-vllm' },
        { name: 'file', file: audio },
      ])
      expect(res.status).toBe(200)
      const expected = multipart([
        { name: 'model', value: 'org/vllm-8b' },
        { name: 'file', file: audio },
      ])
      expect(lastVllm()?.body.equals(expected)).toBe(true)
      expect(lastVllm()?.headers['content-length']).toBe(String(expected.byteLength))
    })

    it('sends the upload on as it arrives, before the client has finished it', async () => {
      const head = multipart([{ name: 'model', value: 'plain' }]).subarray(
        0,
        -`--${BOUNDARY}--\r\n`.length,
      )
      const fileHead = Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n`,
      )
      const audio = fakeAudio(2 * 1024 * 1024)
      const before = f.vllm.receivedBytes()
      const answer = await upload(
        url(),
        auth(),
        [
          Buffer.concat([head, fileHead, audio.subarray(0, 1024 * 1024)]),
          audio.subarray(1024 * 1024),
          Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
        ],
        async (i) => {
          if (i === 1) {
            // The client holds back the rest until the engine has the first megabyte.
            await waitUntil(
              () => f.vllm.receivedBytes() - before >= 1024 * 1024,
              5_000,
              'first MiB at the engine',
            )
          }
        },
      )
      expect(answer.status).toBe(200)
      expect(lastVllm()?.headers['transfer-encoding']).toBe('chunked')
      expect(lastVllm()?.body.byteLength).toBe(
        head.byteLength + fileHead.byteLength + audio.byteLength + BOUNDARY.length + 8,
      )
    })

    it('finds model after a small file too', async () => {
      const res = await form([
        { name: 'file', file: fakeAudio(200_000) },
        { name: 'model', value: 'plain' },
      ])
      expect(res.status).toBe(200)
    })

    it('relays a streamed transcription (stream=true) as it comes', async () => {
      const res = await form([
        { name: 'model', value: 'plain' },
        { name: 'stream', value: 'true' },
        { name: 'file', file: fakeAudio(10_000) },
      ])
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      const text = await res.text()
      expect(text).toBe(Buffer.concat(lastVllm()?.sent ?? []).toString('utf8'))
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
    })

    it('takes the key as x-api-key here too, and records the request', async () => {
      const res = await fetch(url(), {
        method: 'POST',
        headers: {
          'x-api-key': f.key,
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        },
        body: asBody(
          multipart([
            { name: 'model', value: 'plain' },
            { name: 'file', file: fakeAudio(1000) },
          ]),
        ),
      })
      const id = res.headers.get('x-request-id')
      expect(res.status).toBe(200)
      await res.text()
      await expect
        .poll(() => f.logs.find((l) => l.requestId === id && l.msg === 'request done'))
        .toMatchObject({ path: '/v1/audio/transcriptions', status: 200, model: 'plain' })
    })
  })

  describe('errors', () => {
    it('refuses a form whose model comes after more than 8 MiB, naming model, without asking an engine', async () => {
      const before = f.vllm.inferenceRequests().length
      const res = await form([
        { name: 'file', file: fakeAudio(MODEL_SEARCH_MAX_BYTES + 256 * 1024) },
        { name: 'model', value: 'plain' },
      ])
      expect(res.status).toBe(400)
      const body = (await res.json()) as Envelope
      expect(body.error.param).toBe('model')
      expect(body.error.message).toContain('send it before the file')
      expect(f.vllm.inferenceRequests().length).toBe(before)
    })

    it('refuses a form without model with 400 naming it', async () => {
      const res = await form([{ name: 'file', file: fakeAudio(1000) }])
      expect(res.status).toBe(400)
      expect(((await res.json()) as Envelope).error.param).toBe('model')
    })

    it('refuses a body that is not multipart/form-data with 415', async () => {
      const res = await post(f, '/v1/audio/transcriptions', { model: 'plain', file: 'x' })
      expect(res.status).toBe(415)
      expect(((await res.json()) as Envelope).error.code).toBe('unsupported_media_type')
    })

    it('refuses a malformed form with 400', async () => {
      const res = await fetch(url(), {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'multipart/form-data' },
        body: 'no boundary',
      })
      expect(res.status).toBe(400)
    })

    it('refuses a declared length over the limit with 413 before reading it', async () => {
      const res = await fetch(url(), {
        method: 'POST',
        headers: { ...auth(), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
        body: asBody(
          multipart([
            { name: 'model', value: 'plain' },
            { name: 'file', file: fakeAudio(MAX_BODY_BYTES) },
          ]),
        ),
      })
      expect(res.status).toBe(413)
      expect(((await res.json()) as Envelope).error.code).toBe('request_too_large')
    })

    it('cuts a streamed upload at the limit: 413 to the client, the engine request aborted', async () => {
      const before = f.vllm.inferenceRequests().length
      const receivedBefore = f.vllm.receivedBytes()
      const head = Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="model"\r\n\r\nplain\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n`,
      )
      const mib = fakeAudio(1024 * 1024)
      const pieces = [head, ...Array.from({ length: 14 }, () => mib)]
      const answer = await upload(url(), auth(), pieces)
      expect(answer.status).toBe(413)
      expect((JSON.parse(answer.body) as Envelope).error.code).toBe('request_too_large')
      const forwarded = f.vllm.receivedBytes() - receivedBefore
      expect(forwarded).toBeGreaterThan(0) // it was streaming to the engine…
      expect(forwarded).toBeLessThanOrEqual(MAX_BODY_BYTES) // …and stopped at the limit
      expect(f.vllm.inferenceRequests().length).toBe(before) // the engine never got a whole request
    })

    it("refuses a model whose engine serves no audio (llama.cpp's default), without asking it", async () => {
      const before = f.llama.inferenceRequests().length
      const res = await form([
        { name: 'model', value: 'chat-llama' },
        { name: 'file', file: fakeAudio(1000) },
      ])
      expect(res.status).toBe(404)
      expect(((await res.json()) as Envelope).error.code).toBe('unsupported_route')
      expect(f.llama.inferenceRequests().length).toBe(before)
    })

    it('answers an unknown model and one the key may not use alike', async () => {
      const parts = (model: string) => [
        { name: 'model', value: model },
        { name: 'file', file: fakeAudio(100) },
      ]
      const unknown = await form(parts('nope'))
      const denied = await fetch(url(), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${f.limitedKey}`,
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        },
        body: asBody(multipart(parts('plain'))),
      })
      for (const res of [unknown, denied]) {
        expect(res.status).toBe(404)
        expect(((await res.json()) as Envelope).error.code).toBe('model_not_found')
      }
    })

    it('aborts the engine request when the client leaves mid-upload, and records 499', async () => {
      const receivedBefore = f.vllm.receivedBytes()
      const before = f.vllm.inferenceRequests().length
      const head = Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="model"\r\n\r\nplain\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"\r\n\r\n`,
      )
      const { request } = await import('node:http')
      const req = request(url(), {
        method: 'POST',
        headers: { ...auth(), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      })
      req.on('error', () => {})
      req.write(Buffer.concat([head, fakeAudio(256 * 1024)]))
      await waitUntil(
        () => f.vllm.receivedBytes() - receivedBefore > 0,
        5_000,
        'upload at the engine',
      )
      req.destroy()
      await expect
        .poll(() =>
          f.logs.find(
            (l) =>
              l.msg === 'request done' && l.path === '/v1/audio/transcriptions' && l.status === 499,
          ),
        )
        .toBeDefined()
      expect(f.vllm.inferenceRequests().length).toBe(before)
    })
  })
})

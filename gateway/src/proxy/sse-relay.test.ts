import { Writable } from 'node:stream'
import type { Dispatcher } from 'undici'
import { describe, expect, it } from 'vitest'
import { UpstreamExchange } from '../upstream/upstream-response.js'
import { JsonUsageTail } from './json-usage-tail.js'
import { type RelayOutcome, relayBody } from './sse-relay.js'
import { SseScanner } from './sse-scanner.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

/** A client response that records each write as its own chunk; `highWaterMark` makes it push back. */
class RecordingSink extends Writable {
  readonly chunks: string[] = []
  ended = false
  #release: (() => void) | undefined
  held = false

  constructor(options: { highWaterMark?: number; hold?: boolean } = {}) {
    super({ highWaterMark: options.highWaterMark ?? 1 << 20 })
    this.held = options.hold ?? false
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void) {
    this.chunks.push(dec.decode(chunk))
    if (this.held) {
      this.#release = () => done()
      return
    }
    done()
  }

  override _final(done: () => void) {
    this.ended = true
    done()
  }

  release() {
    this.held = false
    this.#release?.()
  }
}

const tick = () => new Promise((r) => setImmediate(r))

/**
 * An engine response as undici's parser delivers it: the real UpstreamExchange, driven through its dispatch
 * callbacks with a controller that records pause and abort.
 */
function engineResponse() {
  const state = { paused: false, aborted: false }
  const exchange = new UpstreamExchange(
    { aborted: false, onAbort: () => undefined },
    () => undefined,
  )
  const controller: Dispatcher.DispatchController = {
    get aborted() {
      return state.aborted
    },
    get paused() {
      return state.paused
    },
    reason: null,
    abort(reason) {
      state.aborted = true
      exchange.onResponseError(controller, reason)
    },
    pause() {
      state.paused = true
    },
    resume() {
      state.paused = false
    },
  }
  exchange.onRequestStart(controller)
  void exchange.response()
  exchange.onResponseStart(controller, 200, {})
  return {
    body: exchange,
    state,
    write: (text: string) => exchange.onResponseData(controller, Buffer.from(text)),
    end: (text?: string) => {
      if (text !== undefined) {
        exchange.onResponseData(controller, Buffer.from(text))
      }
      exchange.onResponseEnd()
    },
    destroy: (err: Error) => exchange.onResponseError(controller, err),
  }
}

function relay(options: { stripUsage?: boolean; json?: boolean; sink?: RecordingSink } = {}) {
  const source = engineResponse()
  const sink = options.sink ?? new RecordingSink()
  const ends: RelayOutcome[] = []
  let gone = false
  relayBody({
    source: source.body,
    sink,
    observer: options.json
      ? new JsonUsageTail()
      : new SseScanner({ stripUsage: options.stripUsage ?? false, onFirstFrame: () => {} }),
    clientGone: () => gone,
    errorFrame: () => 'data: {"error":{"code":"upstream_error"}}\n\n',
    onEnd: (o) => ends.push(o),
  })
  return {
    source,
    sink,
    ends,
    leave: () => {
      gone = true
    },
  }
}

describe('relayBody', () => {
  it('writes each upstream chunk to the client as its own write, in order, as it comes', async () => {
    const { source, sink, ends } = relay()
    source.write('data: {"choices":[{"delta":{"content":"a"}}]}\n\n')
    await tick()
    expect(sink.chunks).toHaveLength(1)
    expect(sink.chunks[0]).toContain('"a"')
    source.write('data: {"choices":[{"delta":{"content":"b"}}]}\n\n')
    await tick()
    expect(sink.chunks[1]).toContain('"b"')
    source.end('data: [DONE]\n\n')
    await tick()
    expect(sink.chunks[2]).toBe('data: [DONE]\n\n')
    expect(sink.ended).toBe(true)
    expect(ends).toEqual(['completed'])
  })

  it('sends our error frame and [DONE], then ends, when the upstream fails mid-stream', async () => {
    const { source, sink, ends } = relay()
    source.write('data: {"choices":[{"delta":{"content":"a"}}]}\n\n')
    await tick()
    source.destroy(new Error('socket reset'))
    await tick()
    expect(sink.chunks.at(-1)).toBe('data: {"error":{"code":"upstream_error"}}\n\ndata: [DONE]\n\n')
    expect(sink.ended).toBe(true)
    expect(ends).toEqual(['upstream_error'])
  })

  it('ends once as client_abort, writing nothing more, when the client left', async () => {
    const { source, sink, ends, leave } = relay()
    source.write('data: {"choices":[{"delta":{"content":"a"}}]}\n\n')
    await tick()
    leave()
    source.destroy(new Error('aborted'))
    await tick()
    expect(sink.chunks).toHaveLength(1)
    expect(sink.ended).toBe(false)
    expect(ends).toEqual(['client_abort'])
  })

  it('reports engine_error when the engine sent an error frame', async () => {
    const { source, sink, ends } = relay()
    source.end('data: {"error":{"code":500,"message":"x","type":"server_error"}}\n\n')
    await tick()
    expect(sink.chunks.at(-1)).toBe('data: [DONE]\n\n')
    expect(ends).toEqual(['engine_error'])
  })

  it('destroys the client response when a JSON body fails mid-way (it cannot carry an error frame)', async () => {
    const { source, sink, ends } = relay({ json: true })
    sink.on('error', () => {})
    source.write('{"id":"x",')
    await tick()
    source.destroy(new Error('reset'))
    await tick()
    expect(sink.destroyed).toBe(true)
    expect(sink.ended).toBe(false)
    expect(ends).toEqual(['upstream_error'])
  })

  it('writes nothing for a chunk that is entirely cut (the usage frame alone)', async () => {
    const { source, sink } = relay({ stripUsage: true })
    source.write('data: {"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}\n\n')
    await tick()
    expect(sink.chunks).toEqual([])
    source.end('data: [DONE]\n\n')
    await tick()
    expect(sink.chunks).toEqual(['data: [DONE]\n\n'])
  })

  it('stops reading the engine while the client is not taking bytes, and goes on after', async () => {
    const sink = new RecordingSink({ highWaterMark: 8, hold: true })
    const { source, ends } = relay({ sink })
    source.write('data: {"choices":[{"delta":{"content":"a"}}]}\n\n')
    await tick()
    expect(source.state.paused).toBe(true)
    source.write('data: {"choices":[{"delta":{"content":"b"}}]}\n\n')
    await tick()
    expect(sink.chunks).toHaveLength(1)
    sink.release()
    await tick()
    expect(source.state.paused).toBe(false)
    source.end('data: [DONE]\n\n')
    await tick()
    await tick()
    expect(sink.chunks.join('')).toContain('"b"')
    expect(ends).toEqual(['completed'])
  })
})

describe('JsonUsageTail', () => {
  it('finds usage at the end of a large body split into chunks', () => {
    const tail = new JsonUsageTail()
    const text = `{"data":[${'0.5,'.repeat(50_000)}1],"usage":{"prompt_tokens":7,"total_tokens":7,"prompt_tokens_details":null},"x":null}`
    const bytes = enc.encode(text)
    for (let at = 0; at < bytes.length; at += 1000) {
      tail.push(bytes.subarray(at, at + 1000))
    }
    tail.finish()
    expect(tail.usage).toEqual({ promptTokens: 7, completionTokens: 0 })
  })

  it('takes the last usage object, past spaces and a later non-object "usage" member', () => {
    const tail = new JsonUsageTail()
    tail.push(
      enc.encode(
        '{"choices":[{"message":{"content":"\\"usage\\": {}"}}],"usage" :\n {"prompt_tokens":3,"completion_tokens":4},"meta":{"usage":null}}',
      ),
    )
    tail.finish()
    expect(tail.usage).toEqual({ promptTokens: 3, completionTokens: 4 })
  })

  it('finds usage in an answer that arrives as one small chunk, and sends that chunk as is', () => {
    const first = new JsonUsageTail()
    const bytes = enc.encode('{"usage":{"prompt_tokens":1,"completion_tokens":2}}')
    expect(first.push(bytes)).toBe(bytes)
    first.finish()
    expect(first.usage).toEqual({ promptTokens: 1, completionTokens: 2 })
  })

  it('reports no usage when there is none', () => {
    const tail = new JsonUsageTail()
    tail.push(enc.encode('{"id":"x"}'))
    tail.finish()
    expect(tail.usage).toBeUndefined()
  })
})

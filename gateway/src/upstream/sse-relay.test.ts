import { describe, expect, it } from 'vitest'
import { JsonUsageTail } from './json-usage-tail.js'
import { type RelayOutcome, relayBody } from './sse-relay.js'
import { SseScanner } from './sse-scanner.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

/** An upstream whose chunks the test hands out one by one, or fails. */
function controllable() {
  const waiting: Array<{
    resolve: (r: IteratorResult<Uint8Array>) => void
    reject: (e: unknown) => void
  }> = []
  const source: AsyncIterator<Uint8Array> = {
    next: () => new Promise((resolve, reject) => waiting.push({ resolve, reject })),
  }
  const settle = async () => {
    while (waiting.length === 0) {
      await new Promise((r) => setTimeout(r, 1))
    }
    const w = waiting.shift()
    if (w === undefined) {
      throw new Error('unreachable')
    }
    return w
  }
  return {
    source,
    send: async (text: string) =>
      (await settle()).resolve({ done: false, value: enc.encode(text) }),
    end: async () => (await settle()).resolve({ done: true, value: undefined }),
    fail: async (err: unknown) => (await settle()).reject(err),
  }
}

function relay(stripUsage = false, json = false) {
  const up = controllable()
  const ends: RelayOutcome[] = []
  let aborted = 0
  const stream = relayBody({
    source: up.source,
    observer: json ? new JsonUsageTail() : new SseScanner({ stripUsage, onFirstFrame: () => {} }),
    abort: () => aborted++,
    errorFrame: () => 'data: {"error":{"code":"upstream_error"}}\n\n',
    onEnd: (o) => ends.push(o),
  })
  return { up, reader: stream.getReader(), ends, aborted: () => aborted }
}

describe('relayBody', () => {
  it('hands each upstream chunk to the client as its own read, in order', async () => {
    const { up, reader, ends } = relay()
    void up.send('data: {"choices":[{"delta":{"content":"a"}}]}\n\n')
    expect(dec.decode((await reader.read()).value)).toContain('"a"')
    void up.send('data: {"choices":[{"delta":{"content":"b"}}]}\n\n')
    expect(dec.decode((await reader.read()).value)).toContain('"b"')
    void up.send('data: [DONE]\n\n')
    expect(dec.decode((await reader.read()).value)).toBe('data: [DONE]\n\n')
    void up.end()
    expect((await reader.read()).done).toBe(true)
    expect(ends).toEqual(['completed'])
  })

  it('sends our error frame and [DONE], then closes, when the upstream fails mid-stream', async () => {
    const { up, reader, ends } = relay()
    void up.send('data: {"choices":[{"delta":{"content":"a"}}]}\n\n')
    await reader.read()
    void up.fail(new Error('socket reset'))
    expect(dec.decode((await reader.read()).value)).toBe(
      'data: {"error":{"code":"upstream_error"}}\n\ndata: [DONE]\n\n',
    )
    expect((await reader.read()).done).toBe(true)
    expect(ends).toEqual(['upstream_error'])
  })

  it('aborts the upstream at once when the client cancels, and ends once', async () => {
    const { up, reader, ends, aborted } = relay()
    void up.send('data: {"choices":[{"delta":{"content":"a"}}]}\n\n')
    await reader.read()
    const pending = reader.read()
    await reader.cancel()
    await pending
    expect(aborted()).toBe(1)
    void up.fail(new Error('aborted'))
    await new Promise((r) => setTimeout(r, 5))
    expect(ends).toEqual(['client_abort'])
  })

  it('reports engine_error when the engine sent an error frame', async () => {
    const { up, reader, ends } = relay()
    void up.send('data: {"error":{"code":500,"message":"x","type":"server_error"}}\n\n')
    await reader.read()
    void up.end()
    expect(dec.decode((await reader.read()).value)).toBe('data: [DONE]\n\n')
    expect(ends).toEqual(['engine_error'])
  })

  it('errors a JSON body that fails mid-way (it cannot carry an error frame)', async () => {
    const { up, reader, ends } = relay(false, true)
    void up.send('{"id":"x",')
    await reader.read()
    void up.fail(new Error('reset'))
    await expect(reader.read()).rejects.toThrow('reset')
    expect(ends).toEqual(['upstream_error'])
  })

  it('keeps reading when a chunk is entirely cut (the usage frame alone)', async () => {
    const { up, reader } = relay(true)
    void up.send('data: {"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}\n\n')
    void up.send('data: [DONE]\n\n')
    expect(dec.decode((await reader.read()).value)).toBe('data: [DONE]\n\n')
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

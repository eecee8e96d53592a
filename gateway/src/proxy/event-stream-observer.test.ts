import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { type EventDialect, EventStreamObserver } from './event-stream-observer.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

/** The body of a llama.cpp capture (gateway/test/fixtures/llamacpp/), after its headers. */
function captured(name: string): string {
  const text = readFileSync(
    new URL(`../../test/fixtures/llamacpp/${name}`, import.meta.url),
    'utf8',
  )
  return text.slice(text.indexOf('\r\n\r\n') + 4)
}

const MESSAGES = captured('llamacpp-messages-stream.txt')
const RESPONSES = captured('llamacpp-responses-stream.txt')

function observer(dialect: EventDialect) {
  let firstFrames = 0
  const o = new EventStreamObserver({ dialect, onFirstFrame: () => firstFrames++ })
  return { o, firstFrames: () => firstFrames }
}

/** Feeds `text` in pieces of `size` bytes; checks every chunk goes out as the same object. */
function feed(o: EventStreamObserver, text: string, size: number): string {
  const bytes = enc.encode(text)
  let out = ''
  for (let at = 0; at < bytes.length; at += size) {
    const chunk = bytes.subarray(at, at + size)
    const sent = o.push(chunk)
    expect(sent).toBe(chunk)
    out += dec.decode(sent, { stream: true })
  }
  expect(o.finish().byteLength).toBe(0)
  return out
}

describe('EventStreamObserver', () => {
  it.each([1, 7, 64, 100_000])(
    "reads llama.cpp's Messages usage (cached prompt tokens included), in %i-byte chunks",
    (size) => {
      const { o, firstFrames } = observer('anthropic')
      expect(feed(o, MESSAGES, size)).toBe(MESSAGES)
      // message_start: input_tokens 1 + cache_read_input_tokens 28; the last message_delta: output_tokens 3.
      expect(o.usage).toEqual({ promptTokens: 29, completionTokens: 3 })
      expect(o.sawError).toBe(false)
      expect(firstFrames()).toBe(1)
    },
  )

  it.each([1, 13, 100_000])(
    'reads the Responses usage from response.completed, in %i-byte chunks',
    (size) => {
      const { o, firstFrames } = observer('responses')
      expect(feed(o, RESPONSES, size)).toBe(RESPONSES)
      expect(o.usage).toEqual({ promptTokens: 29, completionTokens: 3 })
      expect(firstFrames()).toBe(1)
    },
  )

  it('takes the input from a message_delta that repeats it (vLLM), and the last output', () => {
    const { o } = observer('anthropic')
    feed(
      o,
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","content":[],"usage":{"input_tokens":5,"output_tokens":0}}}\n\n' +
        'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":12,"output_tokens":2}}\n\n' +
        'event: message_delta\ndata: {"type":"message_delta","delta":{},"usage":{"output_tokens":4}}\n\n',
      50,
    )
    expect(o.usage).toEqual({ promptTokens: 12, completionTokens: 4 })
  })

  it('does not count the preamble (message_start, ping, response.created) as the first token', () => {
    const { o, firstFrames } = observer('anthropic')
    o.push(enc.encode(MESSAGES.slice(0, MESSAGES.indexOf('event: content_block_start'))))
    o.push(enc.encode('event: ping\ndata: {"type": "ping"}\n\n'))
    expect(firstFrames()).toBe(0)
    o.push(enc.encode('event: content_block_start\ndata: {"type":"content_block_start"}\n\n'))
    expect(firstFrames()).toBe(1)
  })

  it('reads usage at the end of a response.completed line far longer than what it keeps', () => {
    const { o } = observer('responses')
    const output = 'x'.repeat(300_000)
    const line = `event: response.completed\ndata: {"type":"response.completed","response":{"output":[{"text":"${output}"}],"usage":{"input_tokens":7,"output_tokens":9000,"total_tokens":9007}}}\n\n`
    feed(o, line, 4096)
    expect(o.usage).toEqual({ promptTokens: 7, completionTokens: 9000 })
  })

  it('handles CRLF line ends', () => {
    const { o } = observer('anthropic')
    feed(o, MESSAGES.replaceAll('\n', '\r\n'), 10)
    expect(o.usage).toEqual({ promptTokens: 29, completionTokens: 3 })
  })

  it.each([
    [
      'an Anthropic error event',
      'anthropic',
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"x"}}\n\n',
    ],
    [
      "llama.cpp's bare error event",
      'anthropic',
      'event: error\ndata: {"code":500,"message":"x","type":"server_error"}\n\n',
    ],
    [
      "llama.cpp's Responses error frame (no event name)",
      'responses',
      'data: {"error":{"code":500,"message":"x","type":"server_error"}}\n\n',
    ],
    [
      'response.failed',
      'responses',
      'event: response.failed\ndata: {"type":"response.failed","response":{}}\n\n',
    ],
  ] as const)('notices %s, and passes it unchanged', (_, dialect, frame) => {
    const { o } = observer(dialect)
    expect(feed(o, frame, 9)).toBe(frame)
    expect(o.sawError).toBe(true)
  })

  it('starts our error event on a line and event of its own', () => {
    const frame = 'event: error\ndata: {"type":"error"}\n\n'
    const clean = observer('anthropic').o
    clean.push(enc.encode('event: message_stop\ndata: {"type":"message_stop"}\n\n'))
    expect(dec.decode(clean.failure(frame))).toBe(frame)
    const midLine = observer('anthropic').o
    midLine.push(enc.encode('event: content_block_delta\ndata: {"type":"content_blo'))
    expect(dec.decode(midLine.failure(frame))).toBe(`\n\n${frame}`)
    const midEvent = observer('anthropic').o
    midEvent.push(enc.encode('event: content_block_delta\n'))
    expect(dec.decode(midEvent.failure(frame))).toBe(`\n${frame}`)
  })
})

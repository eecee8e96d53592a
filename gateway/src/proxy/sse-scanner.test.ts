import { describe, expect, it } from 'vitest'
import { SseScanner } from './sse-scanner.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

const ROLE =
  'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n'
const HELLO =
  'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":"stop","stop_reason":null}]}\n\n'
const USAGE =
  'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":12,"total_tokens":14,"completion_tokens":2}}\n\n'
const DONE = 'data: [DONE]\n\n'
const LLAMA_ERROR = 'data: {"error":{"code":500,"message":"boom","type":"server_error"}}\n\n'

function scanner(stripUsage: boolean) {
  let firstFrames = 0
  const s = new SseScanner({ stripUsage, onFirstFrame: () => firstFrames++ })
  return { s, firstFrames: () => firstFrames }
}

/** Feeds `text` cut at `cuts` and returns what the client would receive, chunk by chunk. */
function feed(s: SseScanner, text: string, cuts: number[]): string[] {
  const bytes = enc.encode(text)
  const out: string[] = []
  let at = 0
  for (const cut of [...cuts, bytes.length]) {
    const piece = s.push(bytes.subarray(at, cut))
    if (piece.byteLength > 0) {
      out.push(dec.decode(piece))
    }
    at = cut
  }
  const rest = s.finish()
  if (rest.byteLength > 0) {
    out.push(dec.decode(rest))
  }
  return out
}

describe('SseScanner', () => {
  it('returns each chunk object unchanged when nothing is cut', () => {
    const { s } = scanner(false)
    const chunk = enc.encode(ROLE + HELLO)
    expect(s.push(chunk)).toBe(chunk)
  })

  it('passes the usage frame through when the client asked for it, and records the usage', () => {
    const { s } = scanner(false)
    const out = feed(s, ROLE + HELLO + USAGE + DONE, [])
    expect(out.join('')).toBe(ROLE + HELLO + USAGE + DONE)
    expect(s.usage).toEqual({ promptTokens: 12, completionTokens: 2 })
  })

  it('cuts only the usage frame when the gateway injected include_usage', () => {
    const { s } = scanner(true)
    const out = feed(s, ROLE + HELLO + USAGE + DONE, [])
    expect(out.join('')).toBe(ROLE + HELLO + DONE)
    expect(s.usage).toEqual({ promptTokens: 12, completionTokens: 2 })
  })

  it('cuts the usage frame at every possible split point, keeping everything else', () => {
    const text = ROLE + HELLO + USAGE + DONE
    for (let cut = 1; cut < text.length; cut++) {
      const { s } = scanner(true)
      expect(feed(s, text, [cut]).join(''), `cut at ${cut}`).toBe(ROLE + HELLO + DONE)
      expect(s.usage?.promptTokens).toBe(12)
    }
  })

  it('observes frames split across three chunks at every pair of boundaries', () => {
    const text = ROLE + USAGE + DONE
    for (let a = 1; a < text.length; a += 7) {
      for (let b = a + 1; b < text.length; b += 11) {
        const { s, firstFrames } = scanner(false)
        expect(feed(s, text, [a, b]).join('')).toBe(text)
        expect(s.usage?.completionTokens).toBe(2)
        expect(firstFrames()).toBe(1)
      }
    }
  })

  it('does not hold back a split frame that has choices, even when cutting usage', () => {
    const { s } = scanner(true)
    const cut = HELLO.indexOf('Hello')
    const out = feed(s, HELLO, [cut])
    expect(out).toEqual([HELLO.slice(0, cut), HELLO.slice(cut)])
  })

  it('keeps complete frames in their own chunks (no coalescing)', () => {
    const { s } = scanner(true)
    const out = [ROLE, HELLO, DONE].map((f) => dec.decode(s.push(enc.encode(f))))
    expect(out).toEqual([ROLE, HELLO, DONE])
  })

  it('keeps a usage frame that also carries choices (continuous usage stats)', () => {
    const { s } = scanner(true)
    const frame =
      'data: {"id":"c","choices":[{"index":0,"delta":{"content":"x"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\n'
    expect(feed(s, frame, []).join('')).toBe(frame)
    expect(s.usage).toEqual({ promptTokens: 3, completionTokens: 1 })
  })

  it('passes comments and CRLF framing through untouched', () => {
    const { s } = scanner(true)
    const text = `: ping\r\n\r\n${USAGE.replace(/\n/g, '\r\n')}${DONE}`
    expect(feed(s, text, [3, 40]).join('')).toBe(`: ping\r\n\r\n${DONE}`)
  })

  it('calls onFirstFrame once, at the first data frame, not for [DONE] or errors', () => {
    const { s, firstFrames } = scanner(false)
    s.push(enc.encode(': ping\n\n'))
    expect(firstFrames()).toBe(0)
    s.push(enc.encode(ROLE))
    s.push(enc.encode(HELLO))
    expect(firstFrames()).toBe(1)
  })

  it("adds [DONE] after llama.cpp's error frame, which ends the stream without it", () => {
    const { s } = scanner(false)
    const out = feed(s, ROLE + LLAMA_ERROR, [])
    expect(out.join('')).toBe(ROLE + LLAMA_ERROR + DONE)
    expect(s.sawError).toBe(true)
  })

  it('sees an error frame and [DONE] split at any point, and adds no second [DONE]', () => {
    const text = ROLE + LLAMA_ERROR + DONE
    for (let cut = 1; cut < text.length; cut++) {
      const { s } = scanner(false)
      expect(feed(s, text, [cut]).join(''), `cut at ${cut}`).toBe(text)
    }
  })

  it("does not add a second [DONE] after vLLM's error frame", () => {
    const { s } = scanner(false)
    const vllmError =
      'data: {"error": {"message": "boom", "type": "InternalServerError", "param": null, "code": 500}}\n\n'
    expect(feed(s, ROLE + vllmError + DONE, []).join('')).toBe(ROLE + vllmError + DONE)
  })

  it('ends a half-sent line before our error frame on a mid-stream failure', () => {
    const { s } = scanner(false)
    s.push(enc.encode(ROLE + HELLO.slice(0, 20)))
    const frame = 'data: {"error":{}}\n\n'
    expect(dec.decode(s.failure(frame))).toBe(`\n\n${frame}${DONE}`)
  })

  it('drops a held-back partial frame and sends error + [DONE] on failure', () => {
    const { s } = scanner(true)
    const out = dec.decode(s.push(enc.encode(ROLE + USAGE.slice(0, 30))))
    expect(out).toBe(ROLE)
    expect(dec.decode(s.failure('data: {"error":{}}\n\n'))).toBe(`data: {"error":{}}\n\n${DONE}`)
  })

  it('sends nothing extra on failure after [DONE]', () => {
    const { s } = scanner(false)
    s.push(enc.encode(ROLE + DONE))
    expect(s.failure('data: {"error":{}}\n\n').byteLength).toBe(0)
  })

  it('passes a very long line through without holding it', () => {
    const { s } = scanner(true)
    const long = `data: {"x":"${'a'.repeat(300_000)}"`
    const first = s.push(enc.encode(long))
    expect(first.byteLength).toBe(long.length)
    const end = s.push(enc.encode('}\n\n'))
    expect(dec.decode(end)).toBe('}\n\n')
  })
})

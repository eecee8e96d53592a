import { describe, expect, it } from 'vitest'
import { GatewayError } from '../http/gateway-error.js'
import { buildUpstreamBody, parseInferenceBody } from './request-body.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

function body(text: string) {
  return parseInferenceBody(enc.encode(text))
}

function rejection(text: string | Uint8Array): GatewayError {
  try {
    parseInferenceBody(typeof text === 'string' ? enc.encode(text) : text)
  } catch (err) {
    if (err instanceof GatewayError) {
      return err
    }
    throw err
  }
  throw new Error('expected a rejection')
}

const same = { usageDefaultsOn: false, injectsUsage: true }

describe('parseInferenceBody', () => {
  it('reads model, stream and stream_options', () => {
    const r = body('{"model":"m","stream":true,"stream_options":{"include_usage":false}}')
    expect(r.model).toBe('m')
    expect(r.isStream).toBe(true)
    expect(r.streamOptions).toEqual({ includeUsage: false })
  })

  it.each([
    ['malformed JSON', '{"model":'],
    ['empty body', ''],
    ['an array', '[{"model":"m"}]'],
    ['a string', '"m"'],
    ['null', 'null'],
  ])('rejects %s with 400 invalid_request', (_, text) => {
    const e = rejection(text)
    expect(e.status).toBe(400)
    expect(e.code).toBe('invalid_request')
  })

  it('rejects a missing model with param model', () => {
    const e = rejection('{"messages":[]}')
    expect(e.status).toBe(400)
    expect(e.param).toBe('model')
  })

  it('rejects a model that is not a string with param model', () => {
    expect(rejection('{"model":42}').param).toBe('model')
  })

  it('rejects a non-boolean stream with param stream', () => {
    const e = rejection('{"model":"m","stream":"yes"}')
    expect(e.param).toBe('stream')
    expect(e.message).toBe("Invalid type for 'stream': expected a boolean.")
  })

  it('rejects stream_options that is not an object, or a non-boolean include_usage, naming the field', () => {
    expect(rejection('{"model":"m","stream_options":[]}').param).toBe('stream_options')
    expect(rejection('{"model":"m","stream_options":"x"}').param).toBe('stream_options')
    const e = rejection('{"model":"m","stream_options":{"include_usage":1}}')
    expect(e.param).toBe('stream_options.include_usage')
    expect(e.status).toBe(400)
  })

  it('accepts null for stream, stream_options and include_usage', () => {
    const r = body('{"model":"m","stream":null,"stream_options":{"include_usage":null}}')
    expect(r.isStream).toBe(false)
    expect(r.streamOptions).toEqual({ includeUsage: null })
    expect(body('{"model":"m","stream_options":null}').streamOptions).toBeNull()
  })

  it('rejects invalid UTF-8', () => {
    const bytes = new Uint8Array([...enc.encode('{"model":"'), 0xff, 0xfe, ...enc.encode('"}')])
    expect(rejection(bytes).message).toMatch(/UTF-8/)
  })
})

describe('buildUpstreamBody', () => {
  it('returns the very same bytes when nothing needs changing', () => {
    const r = body('{"model":"m", "stream": false, "temperature": 1.0}')
    const out = buildUpstreamBody(r, { upstreamModel: 'm', ...same })
    expect(out.bytes).toBe(r.bytes)
    expect(out.injectedUsage).toBe(false)
  })

  it('replaces only the model value; every other byte stays (spacing, 1.0, escapes, key order)', () => {
    const text =
      '{ "temperature" : 1.0,\n  "model" :  "public-name" , "messages":[{"role":"user","content":"caf\\u00e9 \\"model\\": x"}]}'
    const out = buildUpstreamBody(body(text), { upstreamModel: 'org/engine-7b', ...same })
    expect(dec.decode(out.bytes)).toBe(text.replace('"public-name"', '"org/engine-7b"'))
  })

  it('finds model after strings that end in escaped backslashes or hold escaped quotes', () => {
    const text = String.raw`{"a":"x\\","b":"say \"model\": \\\"no\\\"","model":"pub"}`
    expect(JSON.parse(text).model).toBe('pub')
    const out = buildUpstreamBody(body(text), { upstreamModel: 'up', ...same })
    expect(dec.decode(out.bytes)).toBe(text.replace('"pub"', '"up"'))
  })

  it('uses the last model member when the key repeats, as JSON.parse does', () => {
    const text = '{"model":"a","model":"b"}'
    const out = buildUpstreamBody(body(text), { upstreamModel: 'up', ...same })
    expect(dec.decode(out.bytes)).toBe('{"model":"a","model":"up"}')
  })

  it('adds stream_options.include_usage to a streaming request without stream_options', () => {
    const out = buildUpstreamBody(body('{"model":"m","stream":true}'), {
      upstreamModel: 'm',
      ...same,
    })
    expect(dec.decode(out.bytes)).toBe(
      '{"model":"m","stream":true,"stream_options":{"include_usage":true}}',
    )
    expect(out.injectedUsage).toBe(true)
  })

  it('adds the member before the closing brace past trailing space, whatever the messages contain', () => {
    const text =
      '{ "messages": [{"role":"user","content":"say \\"stream_options\\": {} }"}],\n  "model": "m", "stream": true }\r\n'
    const out = buildUpstreamBody(body(text), { upstreamModel: 'm', ...same })
    const sent = dec.decode(out.bytes)
    expect(sent).toBe(`${text.trimEnd().slice(0, -1)},"stream_options":{"include_usage":true}}\r\n`)
    expect(JSON.parse(sent).stream_options).toEqual({ include_usage: true })
    expect(JSON.parse(sent).messages).toEqual(JSON.parse(text).messages)
  })

  it('never adds stream_options to a non-streaming request (vLLM rejects it)', () => {
    const r = body('{"model":"m","stream":false}')
    const out = buildUpstreamBody(r, { upstreamModel: 'm', ...same })
    expect(out.bytes).toBe(r.bytes)
    expect(out.injectedUsage).toBe(false)
  })

  it('leaves a request that asked for usage alone', () => {
    const r = body('{"model":"m","stream":true,"stream_options":{"include_usage":true}}')
    const out = buildUpstreamBody(r, { upstreamModel: 'm', ...same })
    expect(out.bytes).toBe(r.bytes)
    expect(out.injectedUsage).toBe(false)
  })

  it('turns include_usage false into true and marks it injected', () => {
    const text = '{"model":"m","stream":true,"stream_options":{"include_usage": false,"x":1}}'
    const out = buildUpstreamBody(body(text), { upstreamModel: 'm', ...same })
    expect(dec.decode(out.bytes)).toBe(text.replace('false', 'true'))
    expect(out.injectedUsage).toBe(true)
  })

  it('adds include_usage inside an existing stream_options object', () => {
    const out = buildUpstreamBody(body('{"model":"m","stream":true,"stream_options":{"x":1}}'), {
      upstreamModel: 'm',
      ...same,
    })
    expect(dec.decode(out.bytes)).toBe(
      '{"model":"m","stream":true,"stream_options":{"include_usage":true,"x":1}}',
    )
  })

  it('replaces stream_options null', () => {
    const out = buildUpstreamBody(body('{"model":"m","stream":true,"stream_options":null}'), {
      upstreamModel: 'm',
      ...same,
    })
    expect(dec.decode(out.bytes)).toBe(
      '{"model":"m","stream":true,"stream_options":{"include_usage":true}}',
    )
  })

  it('treats stream_options {} as asking for usage on vLLM (its default) but not on llama.cpp', () => {
    const text = '{"model":"m","stream":true,"stream_options":{}}'
    const vllm = buildUpstreamBody(body(text), {
      upstreamModel: 'm',
      usageDefaultsOn: true,
      injectsUsage: true,
    })
    expect(vllm.injectedUsage).toBe(false)
    const llama = buildUpstreamBody(body(text), {
      upstreamModel: 'm',
      usageDefaultsOn: false,
      injectsUsage: true,
    })
    expect(dec.decode(llama.bytes)).toBe(
      '{"model":"m","stream":true,"stream_options":{"include_usage":true}}',
    )
    expect(llama.injectedUsage).toBe(true)
  })

  it('renames and injects in one pass', () => {
    const out = buildUpstreamBody(body('{"stream":true,"model":"pub"}'), {
      upstreamModel: 'up',
      ...same,
    })
    expect(dec.decode(out.bytes)).toBe(
      '{"stream":true,"model":"up","stream_options":{"include_usage":true}}',
    )
  })

  it('handles a UTF-8 byte order mark', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('{"model":"pub"}')])
    const out = buildUpstreamBody(parseInferenceBody(bytes), { upstreamModel: 'up', ...same })
    expect(dec.decode(out.bytes)).toBe('{"model":"up"}')
  })

  it('leaves a streaming body alone on a route without stream_options (Messages, Responses)', () => {
    const text = '{"model":"m","stream":true,"messages":[]}'
    const out = buildUpstreamBody(body(text), {
      upstreamModel: 'm',
      usageDefaultsOn: false,
      injectsUsage: false,
    })
    expect(out.injectedUsage).toBe(false)
    expect(dec.decode(out.bytes)).toBe(text)
  })
})

describe("parseInferenceBody with a route's own check", () => {
  it('runs the check on the parsed body and lets its refusal through', () => {
    const seen: unknown[] = []
    parseInferenceBody(enc.encode('{"model":"m","x":1}'), (b) => seen.push(b.x))
    expect(seen).toEqual([1])
    expect(() =>
      parseInferenceBody(enc.encode('{"model":"m"}'), () => {
        throw new GatewayError('invalid_request', { param: 'x' })
      }),
    ).toThrow(GatewayError)
  })
})

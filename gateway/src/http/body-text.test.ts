import { describe, expect, it } from 'vitest'
import {
  decodeUtf8Body,
  parseJsonBody,
  parseMultipartForm,
  parseUrlEncodedForm,
} from './body-text.js'
import { GatewayError } from './gateway-error.js'

const bytes = (s: string) => new TextEncoder().encode(s)

async function refusal(run: () => unknown): Promise<string | undefined> {
  try {
    await run()
    return undefined
  } catch (err) {
    return err instanceof GatewayError ? `${err.status} ${err.message}` : String(err)
  }
}

describe('request body text', () => {
  it('decodes UTF-8 and refuses invalid UTF-8 instead of replacing it with U+FFFD', async () => {
    expect(decodeUtf8Body(bytes('é漢'))).toBe('é漢')
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80] /* an encoded surrogate */]) {
      expect(await refusal(() => decodeUtf8Body(Uint8Array.from(bad)))).toBe(
        '400 The request body is not valid UTF-8.',
      )
    }
  })

  it('parses JSON and refuses what is not JSON, the empty body included', async () => {
    expect(parseJsonBody(bytes('{"a":1}'))).toEqual({ a: 1 })
    expect(await refusal(() => parseJsonBody(bytes('')))).toBe(
      '400 The request body is not valid JSON.',
    )
  })

  it('parses an urlencoded form strictly: UTF-8 escapes only, no repeated field', async () => {
    expect(parseUrlEncodedForm(bytes('username=al+ice&password=p%C3%A9%26'))).toEqual({
      username: 'al ice',
      password: 'pé&',
    })
    expect(await refusal(() => parseUrlEncodedForm(bytes('username=%FF')))).toBe(
      '400 The form is not valid UTF-8 percent-encoding.',
    )
    expect(await refusal(() => parseUrlEncodedForm(bytes('a=1&a=2')))).toBe(
      '400 The form field a is repeated.',
    )
  })

  it('keeps a field named __proto__ as data, never as the prototype', () => {
    const form = parseUrlEncodedForm(bytes('__proto__=x&username=u'))
    expect(Object.getPrototypeOf(form)).toBe(Object.prototype)
    expect(Object.hasOwn(form, '__proto__')).toBe(true)
  })

  it('parses a multipart form of text fields and refuses files and invalid UTF-8', async () => {
    const form = new FormData()
    form.set('username', 'alice')
    form.set('password', 'pé')
    const res = new Response(form)
    const type = res.headers.get('content-type') ?? ''
    const raw = new Uint8Array(await res.arrayBuffer())
    expect(await parseMultipartForm(raw, type)).toEqual({ username: 'alice', password: 'pé' })

    const withFile = new FormData()
    withFile.set('username', new Blob(['x']), 'f.txt')
    const fileRes = new Response(withFile)
    const fileRaw = new Uint8Array(await fileRes.arrayBuffer())
    expect(
      await refusal(() => parseMultipartForm(fileRaw, fileRes.headers.get('content-type') ?? '')),
    ).toBe('400 The form field username must be text, not a file.')

    const invalid = Uint8Array.from([...raw.slice(0, 60), 0xff, ...raw.slice(60)])
    expect(await refusal(() => parseMultipartForm(invalid, type))).toBe(
      '400 The request body is not valid UTF-8.',
    )
  })
})

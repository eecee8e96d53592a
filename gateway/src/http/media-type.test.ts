import { describe, expect, it } from 'vitest'
import { GatewayError } from './gateway-error.js'
import { mediaTypeOf, requireJsonContentType } from './media-type.js'

function refusal(value: string | undefined): string | undefined {
  try {
    requireJsonContentType(value)
    return undefined
  } catch (err) {
    return err instanceof GatewayError ? `${err.status} ${err.code}` : String(err)
  }
}

describe('requireJsonContentType', () => {
  it('accepts application/json, in any case, with parameters and a UTF-8 charset', () => {
    for (const v of [
      'application/json',
      'Application/JSON',
      'application/json; charset=utf-8',
      'application/json;charset="UTF-8"',
      'application/json; charset=utf8',
      'application/json ; foo=bar',
    ]) {
      expect(refusal(v), v).toBeUndefined()
    }
  })

  it('refuses a missing, different or suffixed type, and a charset other than UTF-8, with 415', () => {
    for (const v of [
      undefined,
      '',
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      'application/merge-patch+json',
      'application/jsonx',
      'application/json, text/plain',
      'application/json; charset=iso-8859-1',
      'application/json; charset=utf-16',
    ]) {
      expect(refusal(v), String(v)).toBe('415 unsupported_media_type')
    }
  })
})

describe('mediaTypeOf', () => {
  it('drops parameters and lowercases', () => {
    expect(mediaTypeOf(' Multipart/Form-Data ; boundary=abc')).toBe('multipart/form-data')
    expect(mediaTypeOf(undefined)).toBe('')
  })
})

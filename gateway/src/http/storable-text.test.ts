import { describe, expect, it } from 'vitest'
import { findUnstorableText, isStorableText } from './storable-text.js'

describe('isStorableText', () => {
  it('accepts ordinary text, astral characters and well-formed surrogate pairs', () => {
    expect(isStorableText('plain ascii, é, 漢字')).toBe(true)
    expect(isStorableText('emoji \u{1F600}')).toBe(true)
    expect(isStorableText('\ud83d\ude00')).toBe(true)
  })

  it('refuses U+0000 and a surrogate without its pair', () => {
    expect(isStorableText('a\u0000b')).toBe(false)
    expect(isStorableText('a\ud800b')).toBe(false)
    expect(isStorableText('\udc00')).toBe(false)
    expect(isStorableText('\ude00\ud83d')).toBe(false) // the halves in the wrong order
  })
})

describe('findUnstorableText', () => {
  it('finds nothing in clean nested input', () => {
    expect(findUnstorableText({ a: ['x', { b: 'y' }], n: 1, t: true, z: null })).toBeUndefined()
  })

  it('names the path of the first bad value, in objects and arrays', () => {
    expect(findUnstorableText({ name: 'a\u0000' })?.path).toBe('name')
    expect(findUnstorableText({ allowed_model_names: ['ok', 'b\ud800'] })?.path).toBe(
      'allowed_model_names.1',
    )
    expect(findUnstorableText({ instances: [{ url: 'u', worker: '\u0000' }] })?.path).toBe(
      'instances.0.worker',
    )
    expect(findUnstorableText('\u0000')).toEqual({
      path: '',
      problem: expect.stringContaining('NUL'),
    })
  })

  it('checks property names too, without echoing the bad character', () => {
    const found = findUnstorableText({ 'na\u0000me': 'x' })
    expect(found?.path).toBe('na?me')
  })

  it('refuses nesting deeper than any accepted shape instead of recursing without bound', () => {
    let deep: unknown = 'leaf'
    for (let i = 0; i < 100_000; i += 1) {
      deep = [deep]
    }
    expect(findUnstorableText(deep)?.problem).toBe('is nested too deeply')
  })
})

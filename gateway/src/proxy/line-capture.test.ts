import { describe, expect, it } from 'vitest'
import { HEAD_BYTES, LineCapture, TAIL_BYTES } from './line-capture.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

describe('LineCapture', () => {
  it('keeps a short line whole, in both head and tail', () => {
    const line = new LineCapture()
    line.append(enc.encode('data: {"a"'))
    line.append(enc.encode(':1}'))
    expect(dec.decode(line.head)).toBe('data: {"a":1}')
    expect(dec.decode(line.tail)).toBe('data: {"a":1}')
  })

  it('keeps only the first and last bytes of a long line, however it arrives', () => {
    const text = `data: ${'a'.repeat(HEAD_BYTES)}${'m'.repeat(50_000)}${'z'.repeat(TAIL_BYTES)}`
    for (const size of [1_000, 3_333, 70_000]) {
      const line = new LineCapture()
      for (let at = 0; at < text.length; at += size) {
        line.append(enc.encode(text.slice(at, at + size)))
      }
      expect(dec.decode(line.head)).toBe(text.slice(0, HEAD_BYTES))
      expect(dec.decode(line.tail)).toBe(text.slice(-TAIL_BYTES))
    }
  })

  it('is empty again after clear', () => {
    const line = new LineCapture()
    expect(line.isEmpty).toBe(true)
    line.append(enc.encode('x'))
    expect(line.isEmpty).toBe(false)
    line.clear()
    expect(line.isEmpty).toBe(true)
    expect(line.tail.byteLength).toBe(0)
  })
})

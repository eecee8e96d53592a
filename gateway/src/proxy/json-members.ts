/**
 * Byte offsets of an object's members in JSON text that JSON.parse has already accepted, so the proxy can
 * replace one value (`model`) or add one member (`stream_options.include_usage`) without re-serialising the
 * body: everything else goes out byte for byte (number formats, key order, whitespace, escapes).
 * Works on UTF-8 bytes: every structural character is ASCII, and multi-byte sequences never contain one.
 */

export interface MemberSpan {
  /** Offset of the value's first byte. */
  readonly valueStart: number
  /** Offset just past the value's last byte. */
  readonly valueEnd: number
}

export interface ObjectSpans {
  /** Offset of the `{`. */
  readonly open: number
  /** Offset of the matching `}`. */
  readonly close: number
  /** Members by decoded key; a repeated key keeps its last occurrence, as JSON.parse does. */
  readonly members: ReadonlyMap<string, MemberSpan>
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const COMMA = 0x2c
const COLON = 0x3a

function isSpace(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d
}

function skipSpace(bytes: Uint8Array, i: number): number {
  let at = i
  while (isSpace(bytes[at])) {
    at++
  }
  return at
}

/** Offset just past the string that starts at `i` (a quote). Jumps quote to quote: prompts can be megabytes. */
function skipString(bytes: Uint8Array, i: number): number {
  let quote = bytes.indexOf(QUOTE, i + 1)
  while (quote >= 0) {
    let backslashes = 0
    while (bytes[quote - 1 - backslashes] === BACKSLASH) {
      backslashes++
    }
    if (backslashes % 2 === 0) {
      return quote + 1
    }
    quote = bytes.indexOf(QUOTE, quote + 1)
  }
  throw new Error('unterminated JSON string')
}

/** Offset just past the value that starts at `i`. */
function skipValue(bytes: Uint8Array, i: number): number {
  const first = bytes[i]
  if (first === QUOTE) {
    return skipString(bytes, i)
  }
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0
    let at = i
    while (at < bytes.length) {
      const b = bytes[at]
      if (b === QUOTE) {
        at = skipString(bytes, at)
        continue
      }
      if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        depth++
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        depth--
        if (depth === 0) {
          return at + 1
        }
      }
      at++
    }
    throw new Error('unterminated JSON container')
  }
  // number, true, false, null: up to the next delimiter
  let at = i
  while (at < bytes.length) {
    const b = bytes[at]
    if (b === COMMA || b === CLOSE_BRACE || b === CLOSE_BRACKET || isSpace(b)) {
      break
    }
    at++
  }
  return at
}

const decoder = new TextDecoder()

/** A UTF-8 byte order mark, which the decoder (and JSON.parse after it) skip. */
function hasBom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
}

/** Spans of the members of the object starting at or after `from` (leading whitespace allowed). */
export function objectSpans(bytes: Uint8Array, from = 0): ObjectSpans {
  const open = skipSpace(bytes, from === 0 && hasBom(bytes) ? 3 : from)
  if (bytes[open] !== OPEN_BRACE) {
    throw new Error('not a JSON object')
  }
  const members = new Map<string, MemberSpan>()
  let at = skipSpace(bytes, open + 1)
  while (bytes[at] !== CLOSE_BRACE) {
    const keyEnd = skipString(bytes, at)
    const key = String(JSON.parse(decoder.decode(bytes.subarray(at, keyEnd))))
    at = skipSpace(bytes, keyEnd)
    if (bytes[at] !== COLON) {
      throw new Error('expected a colon')
    }
    const valueStart = skipSpace(bytes, at + 1)
    const valueEnd = skipValue(bytes, valueStart)
    members.set(key, { valueStart, valueEnd })
    at = skipSpace(bytes, valueEnd)
    if (bytes[at] === COMMA) {
      at = skipSpace(bytes, at + 1)
    }
  }
  return { open, close: at, members }
}

export interface Splice {
  readonly start: number
  readonly end: number
  readonly text: string
}

/** Applies non-overlapping splices (any order) and returns new bytes. */
export function applySplices(bytes: Uint8Array, splices: readonly Splice[]): Uint8Array {
  const sorted = [...splices].sort((a, b) => a.start - b.start)
  const parts: Uint8Array[] = []
  let at = 0
  for (const s of sorted) {
    parts.push(bytes.subarray(at, s.start), Buffer.from(s.text, 'utf8'))
    at = s.end
  }
  parts.push(bytes.subarray(at))
  // Buffer.concat copies into memory it does not zero first (the body can be megabytes).
  return Buffer.concat(parts)
}

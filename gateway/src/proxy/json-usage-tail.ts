import type { BodyObserver } from './body-observer.js'
import { readUsage, type TokenUsage, type UsageReader } from './token-usage.js'

/**
 * Finds `usage` in a non-streaming JSON answer without buffering it: engines put `usage` near the end (after
 * `choices` or `data`), so only the last few KiB are kept and searched once the body has ended.
 */

const WINDOW_BYTES = 8 * 1024
const EMPTY = new Uint8Array(0)
const decoder = new TextDecoder()
/** `"usage":` can only be a key: inside a JSON string every quote is escaped. */
const USAGE_KEY = '"usage"'
/** What follows the key when its value is an object; sticky, tried right after the key. */
const USAGE_VALUE = /\s*:\s*\{/y

/** Where the object of the last `"usage": {` in `text` opens; searched from the end, where engines put it. */
function lastUsageObject(text: string): number | undefined {
  for (let at = text.lastIndexOf(USAGE_KEY); at >= 0; at = text.lastIndexOf(USAGE_KEY, at - 1)) {
    USAGE_VALUE.lastIndex = at + USAGE_KEY.length
    if (USAGE_VALUE.test(text)) {
      return USAGE_VALUE.lastIndex - 1
    }
    if (at === 0) {
      break
    }
  }
  return undefined
}

/** The balanced `{…}` starting at `open` in `text`, or undefined if it runs past the end. */
function objectAt(text: string, open: number): string | undefined {
  let depth = 0
  let inString = false
  for (let i = open; i < text.length; i++) {
    const ch = text[i]
    if (inString) {
      if (ch === '\\') {
        i++
      } else if (ch === '"') {
        inString = false
      }
    } else if (ch === '"') {
      inString = true
    } else if (ch === '{') {
      depth++
    } else if (ch === '}') {
      depth--
      if (depth === 0) {
        return text.slice(open, i + 1)
      }
    }
  }
  return undefined
}

/** The usage object of a JSON text's tail, if one is there in full, as `reader` reads it. */
export function usageInTail(text: string, reader: UsageReader = readUsage): TokenUsage | undefined {
  const open = lastUsageObject(text)
  if (open === undefined) {
    return undefined
  }
  const json = objectAt(text, open)
  if (json === undefined) {
    return undefined
  }
  try {
    return reader(JSON.parse(json))
  } catch {
    return undefined
  }
}

export class JsonUsageTail implements BodyObserver {
  readonly #reader: UsageReader | null
  #window: Uint8Array = EMPTY
  #usage: TokenUsage | undefined

  /** `reader` reads the API's usage object; null: the answer has none to count. */
  constructor(reader: UsageReader | null = readUsage) {
    this.#reader = reader
  }

  get usage(): TokenUsage | undefined {
    return this.#usage
  }

  get sawError(): boolean {
    return false
  }

  push(chunk: Uint8Array): Uint8Array {
    if (this.#reader === null) {
      return chunk
    }
    if (this.#window.byteLength === 0 && chunk.byteLength <= WINDOW_BYTES) {
      this.#window = chunk // the usual whole answer in one chunk: kept, not copied (nothing writes to it)
    } else if (chunk.byteLength >= WINDOW_BYTES) {
      this.#window = new Uint8Array(chunk.subarray(chunk.byteLength - WINDOW_BYTES))
    } else {
      const keep = Math.min(this.#window.byteLength, WINDOW_BYTES - chunk.byteLength)
      const next = new Uint8Array(keep + chunk.byteLength)
      next.set(this.#window.subarray(this.#window.byteLength - keep), 0)
      next.set(chunk, keep)
      this.#window = next
    }
    return chunk
  }

  finish(): Uint8Array {
    // A cut multi-byte character at the window's start decodes to U+FFFD, which the search ignores.
    if (this.#reader !== null && this.#window.byteLength > 0) {
      this.#usage = usageInTail(decoder.decode(this.#window), this.#reader)
    }
    this.#window = EMPTY
    return EMPTY
  }

  /** A JSON body cannot carry an error after its first byte: the client sees the connection end early. */
  failure(): undefined {
    return undefined
  }
}

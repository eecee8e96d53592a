import type { BodyObserver } from './body-observer.js'
import { readUsage, type TokenUsage } from './token-usage.js'

/**
 * Watches an engine's SSE bytes as they pass: the first data frame (time to first token), the usage
 * frame, `[DONE]` and error frames. Chunks go out as they came, the same objects, except for one edit: when the
 * gateway injected `include_usage`, the usage-only frame (`"choices":[]` + `usage`) is cut out, so the client gets
 * what the engine would have sent it. To cut a frame that arrives split across chunks, an incomplete line is held
 * back only while it could still be that frame; every complete frame goes out at once.
 */

const EMPTY = new Uint8Array(0)
const LF = 0x0a
const CR = 0x0d
/** A line longer than this is never the usage, error or [DONE] frame; it passes without being watched. */
const MAX_WATCHED_LINE_BYTES = 256 * 1024
const DONE_FRAME = new TextEncoder().encode('data: [DONE]\n\n')
const decoder = new TextDecoder()
/** A chat or completion chunk with at least one choice: not the usage-only frame. */
const HAS_CHOICE = /"choices"\s*:\s*\[\s*[^\s\]]/

export interface SseScannerOptions {
  /** Cut the usage-only frame out (the gateway asked for it, the client did not). */
  readonly stripUsage: boolean
  /** Called once, when the first data frame that is not an error or `[DONE]` arrives. */
  readonly onFirstFrame: () => void
}

function isDataLine(buf: Uint8Array, start: number, end: number): boolean {
  // "data:"
  return (
    end - start >= 5 &&
    buf[start] === 0x64 &&
    buf[start + 1] === 0x61 &&
    buf[start + 2] === 0x74 &&
    buf[start + 3] === 0x61 &&
    buf[start + 4] === 0x3a
  )
}

/** `buf[from, to)` without the ranges in `cuts` (sorted, inside [from, to)). */
function without(buf: Uint8Array, from: number, to: number, cuts: readonly number[]): Uint8Array {
  const parts: Uint8Array[] = []
  let at = from
  for (let i = 0; i < cuts.length; i += 2) {
    const cutStart = Math.max(cuts[i] ?? at, from)
    const cutEnd = Math.min(cuts[i + 1] ?? at, to)
    if (cutStart > at) {
      parts.push(buf.subarray(at, cutStart))
    }
    at = Math.max(at, cutEnd)
  }
  if (to > at) {
    parts.push(buf.subarray(at, to))
  }
  return join(parts)
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) {
    return parts[0]
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.byteLength
  }
  return out
}

export class SseScanner implements BodyObserver {
  readonly #stripUsage: boolean
  readonly #onFirstFrame: () => void
  /** The incomplete last line (bytes since the last LF), kept to watch it once complete. */
  #tail: Uint8Array = EMPTY
  /** Whether the client already has the tail's bytes (false while it is held back). */
  #tailSent = true
  /** The current line outgrew MAX_WATCHED_LINE_BYTES: pass it through unwatched until its LF. */
  #longLine = false
  /** The blank line that ends a cut usage frame is cut too. */
  #cutNextBlank = false
  #sawFrame = false
  #sawDone = false
  #sawError = false
  #usage: TokenUsage | undefined

  constructor(options: SseScannerOptions) {
    this.#stripUsage = options.stripUsage
    this.#onFirstFrame = options.onFirstFrame
  }

  get usage(): TokenUsage | undefined {
    return this.#usage
  }

  /** The engine sent an error frame (vLLM's or llama.cpp's). */
  get sawError(): boolean {
    return this.#sawError
  }

  push(chunk: Uint8Array): Uint8Array {
    const tailLength = this.#tail.byteLength
    const buf = tailLength === 0 ? chunk : join([this.#tail, chunk])
    const sendFrom = this.#tailSent ? tailLength : 0
    let cuts: number[] | undefined
    let lineStart = 0
    for (let lf = buf.indexOf(LF); lf >= 0; lf = buf.indexOf(LF, lineStart)) {
      if (this.#longLine) {
        this.#longLine = false
      } else if (this.#watchLine(buf, lineStart, lf)) {
        cuts ??= []
        cuts.push(lineStart, lf + 1)
      }
      lineStart = lf + 1
    }
    const hold = this.#keepTail(buf, lineStart)
    const sendTo = hold ? lineStart : buf.byteLength
    if (cuts === undefined && sendFrom === tailLength && sendTo === buf.byteLength) {
      return chunk
    }
    return without(buf, sendFrom, sendTo, cuts ?? [])
  }

  /** Remembers the incomplete last line; true when it must be held back from the client for now. */
  #keepTail(buf: Uint8Array, lineStart: number): boolean {
    const rest = buf.byteLength - lineStart
    const sentPartly = this.#tailSent && this.#tail.byteLength > 0 && lineStart === 0
    if (rest === 0 || this.#longLine) {
      this.#tail = EMPTY
      this.#tailSent = true
      return false
    }
    if (rest > MAX_WATCHED_LINE_BYTES) {
      // Too long to be a frame we watch; a held part goes out with it (push sends from the held start).
      this.#longLine = true
      this.#tail = EMPTY
      this.#tailSent = true
      if (isDataLine(buf, lineStart, buf.byteLength)) {
        this.#firstFrame()
      }
      return false
    }
    const tail = new Uint8Array(rest)
    tail.set(buf.subarray(lineStart))
    this.#tail = tail
    const hold = this.#stripUsage && !sentPartly && this.#mayBeUsageFrame(tail)
    this.#tailSent = !hold
    return hold
  }

  /** An incomplete line that could still turn out to be the usage-only frame. */
  #mayBeUsageFrame(partial: Uint8Array): boolean {
    if (partial.byteLength < 5) {
      return true
    }
    if (!isDataLine(partial, 0, partial.byteLength)) {
      return false
    }
    return !HAS_CHOICE.test(decoder.decode(partial))
  }

  #firstFrame(): void {
    if (!this.#sawFrame) {
      this.#sawFrame = true
      this.#onFirstFrame()
    }
  }

  /** Watches one complete line `buf[start, lf)`; true when it must be cut from what the client gets. */
  #watchLine(buf: Uint8Array, start: number, lf: number): boolean {
    const end = lf > start && buf[lf - 1] === CR ? lf - 1 : lf
    if (end === start) {
      const cut = this.#cutNextBlank
      this.#cutNextBlank = false
      return cut
    }
    this.#cutNextBlank = false
    if (!isDataLine(buf, start, end)) {
      return false // comments (`: ping`), `event:`, `id:` pass untouched
    }
    const data = decoder.decode(buf.subarray(start + 5, end)).trim()
    if (data === '[DONE]') {
      this.#sawDone = true
      return false
    }
    if (data.includes('"error"') && this.#isErrorFrame(data)) {
      this.#sawError = true
      return false
    }
    this.#firstFrame()
    return data.includes('"usage"') && this.#watchUsage(data)
  }

  #isErrorFrame(data: string): boolean {
    try {
      const json: unknown = JSON.parse(data)
      return typeof json === 'object' && json !== null && 'error' in json
    } catch {
      return false
    }
  }

  /** Records the usage; true when this is the usage-only frame and the gateway must cut it. */
  #watchUsage(data: string): boolean {
    let json: unknown
    try {
      json = JSON.parse(data)
    } catch {
      return false
    }
    if (typeof json !== 'object' || json === null || !('usage' in json)) {
      return false
    }
    const usage = readUsage(json.usage)
    if (usage !== undefined) {
      this.#usage = usage // with continuous usage stats every frame carries it; the last one is the total
    }
    const usageOnly = 'choices' in json && Array.isArray(json.choices) && json.choices.length === 0
    if (usageOnly && this.#stripUsage) {
      this.#cutNextBlank = true
      return true
    }
    return false
  }

  /** What to send when the upstream body ended: a held-back tail, and `[DONE]` after an engine's error frame. */
  finish(): Uint8Array {
    const held = this.#tailSent ? EMPTY : this.#tail
    this.#tail = EMPTY
    this.#tailSent = true
    // llama.cpp ends a failed stream after its error frame without [DONE] (docs/engines.md §2).
    const done = this.#sawError && !this.#sawDone ? DONE_FRAME : EMPTY
    return held.byteLength === 0 ? done : join([held, done])
  }

  /**
   * Our error frame for a mid-stream failure, then `[DONE]`. A line the client only got part of is
   * ended first, so the frame starts on a line of its own. Empty when the stream was already complete.
   */
  failure(errorFrame: string): Uint8Array {
    if (this.#sawDone) {
      return this.finish()
    }
    const lineOpen = this.#tailSent && (this.#tail.byteLength > 0 || this.#longLine)
    this.#tail = EMPTY
    this.#tailSent = true
    return new TextEncoder().encode(`${lineOpen ? '\n\n' : ''}${errorFrame}data: [DONE]\n\n`)
  }
}

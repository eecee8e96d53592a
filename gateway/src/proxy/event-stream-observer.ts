import type { BodyObserver } from './body-observer.js'
import { usageInTail } from './json-usage-tail.js'
import { LineCapture } from './line-capture.js'
import {
  readAnthropicUsage,
  readResponsesUsage,
  type TokenUsage,
  type UsageReader,
} from './token-usage.js'

/**
 * Watches an `event:` + `data:` stream (Anthropic's Messages API, OpenAI's Responses API) as it passes, and never
 * changes it: every chunk goes out as it came, the same object, and nothing is added at its end (these streams
 * have no `[DONE]`). Like sse-scanner.ts it works on bytes: it reads each `event:` name, and decodes a `data:`
 * line only when that event carries usage, and then only the line's last 8 KiB (usage sits at the end of
 * `response.completed`, after the whole output). It records the first token (TTFT), the usage, and whether the
 * engine reported an error in the stream.
 *
 * Usage: Anthropic's `message_start.message.usage` (input) and the last `message_delta.usage` (output, and
 * input when the engine repeats it); Responses' `response.usage` of `response.completed` (or `.incomplete`,
 * `.failed`).
 */

export type EventDialect = 'anthropic' | 'responses'

const EMPTY = new Uint8Array(0)
const LF = 0x0a
const CR = 0x0d
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** What an event means to the observer. */
enum Kind {
  /** Content: its first data frame is the first token. */
  Content,
  /** Before any token (stream start, pings): not the first token. */
  Preamble,
  /** Carries usage (and is not a token either). */
  Usage,
  /** The engine reports a failure. */
  Error,
}

const KINDS: Record<EventDialect, ReadonlyMap<string, Kind>> = {
  anthropic: new Map([
    ['message_start', Kind.Usage],
    ['message_delta', Kind.Usage],
    ['ping', Kind.Preamble],
    ['error', Kind.Error],
  ]),
  responses: new Map([
    ['response.created', Kind.Preamble],
    ['response.queued', Kind.Preamble],
    ['response.in_progress', Kind.Preamble],
    ['response.completed', Kind.Usage],
    ['response.incomplete', Kind.Usage],
    ['response.failed', Kind.Error],
    ['error', Kind.Error],
  ]),
}

/** Event names are short: a longer `event:` line is some other event, whatever it says. */
const MAX_EVENT_NAME_BYTES = 32

function startsWith(buf: Uint8Array, text: Uint8Array): boolean {
  if (buf.byteLength < text.byteLength) {
    return false
  }
  for (let i = 0; i < text.byteLength; i++) {
    if (buf[i] !== text[i]) {
      return false
    }
  }
  return true
}

const EVENT = encoder.encode('event:')
const DATA = encoder.encode('data:')
/** A data line without an event name that is an error: llama.cpp's `data: {"error":{…}}`. */
const ERROR_DATA = encoder.encode('data: {"error"')

export interface EventStreamObserverOptions {
  readonly dialect: EventDialect
  /** Called once, at the first content frame. */
  readonly onFirstFrame: () => void
}

export class EventStreamObserver implements BodyObserver {
  readonly #kinds: ReadonlyMap<string, Kind>
  readonly #readUsage: UsageReader
  readonly #dialect: EventDialect
  readonly #onFirstFrame: () => void
  /** The current line, when a chunk ended inside it. */
  readonly #line = new LineCapture()
  /** The current event's kind; undefined until its `event:` line (or for a data line without one). */
  #kind: Kind | undefined
  /** Lines of the current event were sent (no blank line after them yet). */
  #inEvent = false
  #sawFrame = false
  #sawError = false
  #promptTokens: number | undefined
  #completionTokens: number | undefined

  constructor(options: EventStreamObserverOptions) {
    this.#dialect = options.dialect
    this.#kinds = KINDS[options.dialect]
    this.#readUsage = options.dialect === 'anthropic' ? readAnthropicUsage : readResponsesUsage
    this.#onFirstFrame = options.onFirstFrame
  }

  get sawError(): boolean {
    return this.#sawError
  }

  get usage(): TokenUsage | undefined {
    if (this.#promptTokens === undefined && this.#completionTokens === undefined) {
      return undefined
    }
    return { promptTokens: this.#promptTokens ?? 0, completionTokens: this.#completionTokens ?? 0 }
  }

  push(chunk: Uint8Array): Uint8Array {
    let lineStart = 0
    for (let lf = chunk.indexOf(LF); lf >= 0; lf = chunk.indexOf(LF, lineStart)) {
      if (this.#line.isEmpty) {
        this.#watchLine(chunk.subarray(lineStart, lf), chunk.subarray(lineStart, lf))
      } else {
        this.#line.append(chunk.subarray(lineStart, lf))
        this.#watchLine(this.#line.head, this.#line.tail)
        this.#line.clear()
      }
      lineStart = lf + 1
    }
    if (lineStart < chunk.byteLength) {
      this.#line.append(chunk.subarray(lineStart))
    }
    return chunk
  }

  /**
   * One complete line, by its first bytes (`head`) and its last 8 KiB (`tail`; both are the whole line when it is
   * short). A CR before the LF needs no care: names are trimmed, and the JSON's braces are matched.
   */
  #watchLine(head: Uint8Array, tail: Uint8Array): void {
    if (head.byteLength === 0 || (head.byteLength === 1 && head[0] === CR)) {
      this.#kind = undefined // a blank line ends the event
      this.#inEvent = false
      return
    }
    this.#inEvent = true
    if (startsWith(head, EVENT)) {
      this.#kind = this.#kindOf(head.subarray(EVENT.byteLength))
    } else if (startsWith(head, DATA)) {
      this.#watchData(head, tail)
    }
  }

  #kindOf(name: Uint8Array): Kind {
    if (name.byteLength > MAX_EVENT_NAME_BYTES) {
      return Kind.Content
    }
    return this.#kinds.get(decoder.decode(name).trim()) ?? Kind.Content
  }

  #watchData(head: Uint8Array, tail: Uint8Array): void {
    switch (this.#kind) {
      case Kind.Usage:
        usageInTail(decoder.decode(tail), this.#takeUsage)
        return
      case Kind.Error:
        this.#sawError = true
        return
      case Kind.Preamble:
        return
      case undefined:
        if (startsWith(head, ERROR_DATA)) {
          this.#sawError = true
          return
        }
        break
      default:
        break
    }
    if (!this.#sawFrame) {
      this.#sawFrame = true
      this.#onFirstFrame()
    }
  }

  /**
   * Records a usage object. Responses send one, whole. Anthropic's message_start brings the input (output 0 or
   * 1), and each message_delta the output so far, with the input only when the engine repeats it.
   */
  readonly #takeUsage = (value: unknown): TokenUsage | undefined => {
    const usage = this.#readUsage(value)
    if (usage === undefined || typeof value !== 'object' || value === null) {
      return usage
    }
    const v = value as Record<string, unknown>
    if (this.#dialect === 'responses' || v.output_tokens !== undefined) {
      this.#completionTokens = usage.completionTokens
    }
    if (
      this.#dialect === 'responses' ||
      v.input_tokens !== undefined ||
      v.cache_read_input_tokens !== undefined ||
      v.cache_creation_input_tokens !== undefined
    ) {
      this.#promptTokens = usage.promptTokens
    }
    return usage
  }

  /** Nothing is added at the end: these streams end without a terminator. */
  finish(): Uint8Array {
    this.#line.clear()
    return EMPTY
  }

  /**
   * Our error event for a stream that broke off: a line or event the client got only part of is ended first,
   * so the error arrives as an event of its own.
   */
  failure(errorFrame: string): Uint8Array {
    const prefix = !this.#line.isEmpty ? '\n\n' : this.#inEvent ? '\n' : ''
    this.#line.clear()
    return encoder.encode(`${prefix}${errorFrame}`)
  }
}

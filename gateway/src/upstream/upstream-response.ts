import type { IncomingHttpHeaders } from 'node:http'
import type { Dispatcher } from 'undici'
import type { UpstreamSignal } from './upstream-signal.js'

/** What reads an engine body: every chunk in order, then exactly one of onEnd or onError. */
export interface BodyReader {
  onData(chunk: Buffer): void
  onEnd(): void
  onError(err: Error): void
}

/**
 * An engine's response body, delivered straight from undici's parser to one reader: no Readable stream, no extra
 * tick per chunk. Chunks that arrive before `read` are kept and handed over first.
 */
export interface UpstreamBody {
  /** Bytes that arrived before anyone read them (the first frame often comes with the headers). */
  readonly bufferedBytes: number
  read(reader: BodyReader): void
  /** Stops reading from the engine (backpressure) until `resume`. */
  pause(): void
  resume(): void
  /** Closes the request and its connection at once (never drained); the reader hears nothing more. */
  destroy(): void
}

export interface UpstreamResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  /** Must be read to its end or destroyed; the address's outstanding count drops when it ends. */
  readonly body: UpstreamBody
}

type Settled = { readonly err: Error | undefined } | undefined

/**
 * One engine request as an undici dispatch handler (undici's own `request()` wraps the same parser callbacks in a
 * promise and a Readable per response). Resolves with the response at its headers, rejects when the request fails
 * before them (connection refused or reset, headers timeout, abort); later failures go to the body's reader.
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler, UpstreamBody {
  readonly #signal: UpstreamSignal
  readonly #onDone: () => void
  #resolve: ((res: UpstreamResponse) => void) | undefined
  #reject: ((err: Error) => void) | undefined
  #controller: Dispatcher.DispatchController | undefined
  #reader: BodyReader | undefined
  #pending: Buffer[] = []
  #pendingBytes = 0
  #paused = false
  #delivering = false
  /** Set when the engine finished or failed (a destroyed request is `#destroyed` instead). */
  #settled: Settled
  #destroyed = false
  #done = false

  /** `onDone` runs once when the request is over, however it ended. */
  constructor(signal: UpstreamSignal, onDone: () => void) {
    this.#signal = signal
    this.#onDone = onDone
  }

  /** The response at its headers. Call once, before dispatching this handler. */
  response(): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
  }

  get bufferedBytes(): number {
    return this.#pendingBytes
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller
    this.#signal.onAbort((reason) => controller.abort(reason))
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (status < 200) {
      return // an informational answer (100 Continue); the real one follows
    }
    const resolve = this.#resolve
    this.#resolve = undefined
    this.#reject = undefined
    resolve?.({ status, headers, body: this })
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#destroyed) {
      return
    }
    if (this.#reader !== undefined && this.#pending.length === 0 && !this.#paused) {
      this.#reader.onData(chunk)
      return
    }
    this.#pending.push(chunk)
    this.#pendingBytes += chunk.byteLength
    if (this.#paused) {
      controller.pause()
    }
  }

  onResponseEnd(): void {
    this.#settle(undefined)
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    const reject = this.#reject
    if (reject !== undefined) {
      this.#resolve = undefined
      this.#reject = undefined
      this.#finish()
      reject(err)
      return
    }
    this.#settle(err)
  }

  read(reader: BodyReader): void {
    this.#reader = reader
    this.#deliver()
  }

  pause(): void {
    this.#paused = true
    this.#controller?.pause()
  }

  resume(): void {
    if (!this.#paused) {
      return
    }
    this.#paused = false
    this.#deliver()
    if (!this.#paused && this.#settled === undefined && !this.#destroyed) {
      this.#controller?.resume()
    }
  }

  destroy(): void {
    if (this.#destroyed || this.#settled !== undefined) {
      this.#destroyed = true
      return
    }
    this.#destroyed = true
    this.#pending = []
    this.#pendingBytes = 0
    this.#finish()
    this.#controller?.abort(new Error('the gateway stopped reading the engine body'))
  }

  #settle(err: Error | undefined): void {
    if (this.#settled !== undefined || this.#destroyed) {
      return
    }
    this.#settled = { err }
    this.#finish()
    this.#deliver()
  }

  #finish(): void {
    if (!this.#done) {
      this.#done = true
      this.#signal.onAbort(undefined)
      this.#onDone()
    }
  }

  /** Hands kept chunks to the reader while it is not paused, then the ending once all were handed over. */
  #deliver(): void {
    const reader = this.#reader
    if (reader === undefined || this.#delivering || this.#destroyed) {
      return
    }
    this.#delivering = true
    while (this.#pending.length > 0 && !this.#paused && !this.#destroyed) {
      const chunk = this.#pending.shift() as Buffer
      this.#pendingBytes -= chunk.byteLength
      reader.onData(chunk)
    }
    this.#delivering = false
    const settled = this.#settled
    if (settled !== undefined && this.#pending.length === 0 && !this.#destroyed) {
      this.#reader = undefined // once
      if (settled.err === undefined) {
        reader.onEnd()
      } else {
        reader.onError(settled.err)
      }
    }
  }
}

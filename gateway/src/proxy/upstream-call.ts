import type { ServerResponse } from 'node:http'
import type { UpstreamSignal } from '../upstream/upstream-signal.js'

/**
 * Ties one upstream call to its client: aborts it when the client disconnects (before or after the engine's
 * headers) or when the relay gives up on it.
 */
export class UpstreamCall implements UpstreamSignal {
  readonly #client: ServerResponse
  readonly #onClose = () => {
    // 'close' also follows a complete response; only a close before the end means the client left.
    if (!this.#client.writableFinished) {
      this.#clientGone = true
      this.#abort(new Error('the client closed the request'))
    }
  }
  #clientGone = false
  #reason: Error | undefined
  #listener: ((reason: Error) => void) | undefined

  constructor(client: ServerResponse) {
    this.#client = client
    if (client.destroyed) {
      this.#onClose()
    } else {
      client.once('close', this.#onClose)
    }
  }

  /** Aborts the upstream request (before or after its headers) and closes its connection. */
  get signal(): UpstreamSignal {
    return this
  }

  get aborted(): boolean {
    return this.#reason !== undefined
  }

  get clientGone(): boolean {
    return this.#clientGone
  }

  onAbort(listener: ((reason: Error) => void) | undefined): void {
    this.#listener = listener
    if (listener !== undefined && this.#reason !== undefined) {
      listener(this.#reason)
    }
  }

  /** Stops watching the client (the request is over). */
  dispose(): void {
    this.#client.off('close', this.#onClose)
    this.#listener = undefined
  }

  #abort(reason: Error): void {
    if (this.#reason === undefined) {
      this.#reason = reason
      this.#listener?.(reason)
    }
  }
}

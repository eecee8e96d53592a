import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import type { AbortEmitter } from './upstream-pool.js'

/**
 * Where the gateway learns that its client went away: the Node response under @hono/node-server (its 'close'
 * before the response finished), or the web request's signal where there is no Node response (app.request()).
 * Reading `c.req.raw.signal` under node-server costs an AbortController per request, so the response is preferred.
 */
export type ClientConnection = ServerResponse | AbortSignal

/**
 * The one abort signal of an upstream call (STYLE §7), as an emitter: undici takes an EventEmitter with
 * `aborted`/`reason` and an 'abort' event in place of an AbortSignal. Node 20 spends about 7 µs building an
 * AbortSignal (an EventTarget made transferable) and its listener, a measurable share of a proxied request.
 */
class CallSignal extends EventEmitter implements AbortEmitter {
  aborted = false
  reason: unknown

  abort(reason: Error): void {
    if (!this.aborted) {
      this.aborted = true
      this.reason = reason
      this.emit('abort')
    }
  }
}

/**
 * Ties one upstream call to its client: aborts it when the client disconnects (before or after the engine's
 * headers) or when the relay is cancelled.
 */
export class UpstreamCall {
  readonly #signal = new CallSignal()
  readonly #detach: () => void
  #clientGone = false

  constructor(client: ClientConnection) {
    this.#detach = watchClient(client, () => {
      this.#clientGone = true
      this.#signal.abort(new Error('the client closed the request'))
    })
  }

  /** Aborts the upstream request (before or after its headers) and closes its connection. */
  get signal(): AbortEmitter {
    return this.#signal
  }

  get clientGone(): boolean {
    return this.#clientGone
  }

  abort(): void {
    this.#signal.abort(new Error('the client cancelled the response'))
  }

  /** Stops watching the client (the request is over). */
  dispose(): void {
    this.#detach()
  }
}

/** Calls `onGone` once if the client leaves before its response is complete; returns the un-watch function. */
function watchClient(client: ClientConnection, onGone: () => void): () => void {
  if (client instanceof AbortSignal) {
    if (client.aborted) {
      onGone()
      return () => {}
    }
    client.addEventListener('abort', onGone, { once: true })
    return () => client.removeEventListener('abort', onGone)
  }
  if (client.destroyed) {
    if (!client.writableFinished) {
      onGone()
    }
    return () => {}
  }
  // 'close' also follows a complete response; only a close before the end means the client left.
  const onClose = () => {
    if (!client.writableFinished) {
      onGone()
    }
  }
  client.once('close', onClose)
  return () => client.off('close', onClose)
}

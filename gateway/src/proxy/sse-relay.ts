import type { UpstreamBody } from '../upstream/upstream-response.js'
import type { BodyObserver } from './body-observer.js'

/**
 * Relays the engine's body to the client's response as it arrives: each upstream chunk is written the moment it
 * comes (no buffering, no coalescing), and the engine is read only as fast as the client takes the bytes (the
 * upstream pauses while the response is over its high-water mark). A client that goes away aborts the upstream
 * call (upstream-call.ts), which ends the relay; the engine then stops generating (docs/engines.md §5).
 */

export type RelayOutcome = 'completed' | 'engine_error' | 'upstream_error' | 'client_abort'

/** The client side: a Node ServerResponse (or any Writable). */
export interface RelaySink {
  write(chunk: Uint8Array): boolean
  end(chunk?: Uint8Array): unknown
  destroy(err?: Error): unknown
  once(event: 'drain', listener: () => void): unknown
}

export interface RelayOptions {
  /** The engine's body. */
  readonly source: UpstreamBody
  readonly sink: RelaySink
  readonly observer: BodyObserver
  /** True once the client has left: the upstream's resulting error is not a failure to report. */
  clientGone(): boolean
  /** The SSE error frame (our envelope) for an upstream that fails mid-body. */
  errorFrame(err: unknown): string
  /** Called exactly once, when the body ends, fails, or the client leaves. */
  onEnd(outcome: RelayOutcome, err?: unknown): void
}

export function relayBody(options: RelayOptions): void {
  const { source, sink, observer } = options
  let ended = false
  const end = (outcome: RelayOutcome, err?: unknown) => {
    if (!ended) {
      ended = true
      options.onEnd(outcome, err)
    }
  }
  const resume = () => source.resume()
  const fail = (err: unknown) => {
    if (ended) {
      return
    }
    if (options.clientGone()) {
      end('client_abort', err)
      return
    }
    const bytes = observer.failure(options.errorFrame(err))
    end('upstream_error', err)
    if (bytes === undefined) {
      sink.destroy(err instanceof Error ? err : new Error(String(err))) // a JSON body cannot carry an error
      return
    }
    sink.end(bytes.byteLength > 0 ? bytes : undefined)
  }
  source.read({
    onData: (chunk) => {
      if (ended) {
        return
      }
      const out = observer.push(chunk)
      if (out.byteLength > 0 && !sink.write(out)) {
        source.pause()
        sink.once('drain', resume)
      }
    },
    onEnd: () => {
      if (ended) {
        return
      }
      const rest = observer.finish()
      sink.end(rest.byteLength > 0 ? rest : undefined)
      end(observer.sawError ? 'engine_error' : 'completed')
    },
    onError: fail,
  })
}

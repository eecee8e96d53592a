import type { BodyObserver } from './body-observer.js'

/**
 * The response body the client reads: upstream chunks relayed as they arrive (no buffering, no coalescing),
 * pulled only as fast as the client reads them. The stream's own pull/cancel hooks end the request, so there
 * is no detached pump: a client that goes away cancels the stream, which closes the upstream at once (never
 * drained), and the engine stops generating (ENGINES.md §5).
 */

export type RelayOutcome = 'completed' | 'engine_error' | 'upstream_error' | 'client_abort'

export interface RelayOptions {
  /** The upstream body's chunks. */
  readonly source: AsyncIterator<Uint8Array>
  readonly observer: BodyObserver
  /** Closes the upstream request and its connection. */
  abort(): void
  /** The SSE error frame (our envelope) for an upstream that fails mid-body. */
  errorFrame(err: unknown): string
  /** Called exactly once, when the body ends, fails, or the client cancels. */
  onEnd(outcome: RelayOutcome, err?: unknown): void
}

export function relayBody(options: RelayOptions): ReadableStream<Uint8Array> {
  const { source, observer } = options
  let ended = false
  const end = (outcome: RelayOutcome, err?: unknown) => {
    if (!ended) {
      ended = true
      options.onEnd(outcome, err)
    }
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            const { done, value } = await source.next()
            if (ended) {
              return // cancelled while waiting
            }
            if (done) {
              const rest = observer.finish()
              if (rest.byteLength > 0) {
                controller.enqueue(rest)
              }
              controller.close()
              end(observer.sawError ? 'engine_error' : 'completed')
              return
            }
            const out = observer.push(value)
            if (out.byteLength > 0) {
              controller.enqueue(out)
              return
            }
          }
        } catch (err) {
          if (ended) {
            return // our own abort after a cancel
          }
          const bytes = observer.failure(options.errorFrame(err))
          end('upstream_error', err)
          if (bytes === undefined) {
            controller.error(err)
            return
          }
          if (bytes.byteLength > 0) {
            controller.enqueue(bytes)
          }
          controller.close()
        }
      },
      cancel() {
        end('client_abort')
        options.abort()
      },
    },
    // Read from the engine only when the client has taken the previous chunk.
    { highWaterMark: 0 },
  )
}

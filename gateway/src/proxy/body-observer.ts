import type { TokenUsage } from './token-usage.js'

/** Watches an upstream body on its way to the client; returns the bytes to send for each chunk. */
export interface BodyObserver {
  /** The bytes to send now for this chunk: usually the same object, unchanged. */
  push(chunk: Uint8Array): Uint8Array
  /** The bytes to send after the upstream body ended cleanly. */
  finish(): Uint8Array
  /** The bytes to send when the upstream failed mid-body; undefined when the body cannot carry an error. */
  failure(errorFrame: string): Uint8Array | undefined
  /** The engine reported an error inside a 2xx body (an SSE error frame). */
  readonly sawError: boolean
  readonly usage: TokenUsage | undefined
}

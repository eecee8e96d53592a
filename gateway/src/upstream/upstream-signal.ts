/**
 * The one abort signal of an upstream call, reduced to what the engine request needs: whether it was aborted, and
 * one listener that hears why. An upstream call sends one request at a time (a failover retry comes after the
 * first attempt failed), so one listener is all there is; Node 20's AbortSignal costs about 7 µs to build with its
 * listener, a measurable share of a proxied request.
 */
export interface UpstreamSignal {
  readonly aborted: boolean
  /** Calls `listener` on abort (at once when already aborted), replacing any earlier listener. */
  onAbort(listener: ((reason: Error) => void) | undefined): void
}

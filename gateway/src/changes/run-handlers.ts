import type { ChangeEvent, ChangeHandler } from './change-feed.js'

/**
 * Gives `events` to every handler, the synchronous ones and those returning a promise alike, and waits for all of
 * them; one failing does not keep the others from their events. Throws the first failure once all have settled.
 */
export async function runHandlers(
  handlers: readonly ChangeHandler[],
  events: readonly ChangeEvent[],
): Promise<void> {
  const pending: Promise<void>[] = []
  const failures: unknown[] = []
  for (const handler of handlers) {
    try {
      const done = handler(events)
      if (done !== undefined) {
        pending.push(done)
      }
    } catch (err) {
      failures.push(err)
    }
  }
  for (const result of await Promise.allSettled(pending)) {
    if (result.status === 'rejected') {
      failures.push(result.reason)
    }
  }
  if (failures.length > 0) {
    throw new Error('a change handler failed', { cause: failures[0] })
  }
}

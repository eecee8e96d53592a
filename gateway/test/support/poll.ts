export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Polls `check` every `everyMs` until it holds; throws naming `what` once `deadlineMs` has passed. A deadline, not
 * a timing assertion: the test fails only if the condition never comes. A check that throws ends the wait.
 */
export async function pollUntil(
  check: () => Promise<boolean>,
  what: string,
  deadlineMs = 15_000,
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    if (await check()) {
      return
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not seen within ${deadlineMs} ms`)
    }
    await sleep(everyMs)
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `check` until it returns true (a deadline, not a timing assertion: the test fails only if it never does). */
export async function eventually(
  check: () => Promise<boolean>,
  what: string,
  deadlineMs = 15_000,
): Promise<void> {
  const until = Date.now() + deadlineMs
  while (!(await check())) {
    if (Date.now() > until) {
      throw new Error(`never happened: ${what}`)
    }
    await sleep(50)
  }
}

// The one line `npm test` ends with, from vitest's JSON report (jest's format).
//
// A file whose setup failed (a beforeAll that threw, an import that failed) has status "failed" but no failed
// test: vitest reports its tests as skipped, or none at all. Those are failures, not skips: every test skipped in
// such a file counts as failed, and a file with nothing to show counts as one failure itself.

/**
 * @param {{ numPassedTests?: number, numFailedTests?: number, numPendingTests?: number, numTodoTests?: number,
 *   testResults?: { name: string, status: string, message?: string,
 *     assertionResults?: { status: string }[] }[] }} report
 * @param {number} exitCode vitest's exit status (non-zero with no failure in the report still fails)
 * @returns {{ passed: number, failed: number, skipped: number, setupFailures: string[] }}
 */
export function summarize(report, exitCode) {
  let failed = report.numFailedTests ?? 0
  let skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  const setupFailures = []
  for (const file of report.testResults ?? []) {
    const tests = file.assertionResults ?? []
    if (file.status !== 'failed' || tests.some((t) => t.status === 'failed')) {
      continue
    }
    setupFailures.push(file.name)
    const notRun = tests.filter((t) => t.status === 'skipped' || t.status === 'pending').length
    failed += Math.max(notRun, 1)
    skipped -= notRun
  }
  if (exitCode !== 0 && failed === 0) {
    failed = 1
  }
  return { passed: report.numPassedTests ?? 0, failed, skipped, setupFailures }
}

/** `tests: N passed, N failed, N skipped`, and which files failed to set up. */
export function formatSummary(s) {
  const line = `tests: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`
  return s.setupFailures.length === 0
    ? line
    : `${line} (setup failed in ${s.setupFailures.length} file(s): ${s.setupFailures.join(', ')})`
}

import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatSummary, summarize } from './test-summary.mjs'

const FILES = {
  'vitest.config.mjs': "export default { test: { include: ['*.test.mjs'] } }\n",
  'setup-fails.test.mjs': `import { beforeAll, describe, expect, it } from 'vitest'
describe('needs a database', () => {
  beforeAll(() => { throw new Error('no database') })
  it('a', () => expect(1).toBe(1))
  it('b', () => expect(1).toBe(1))
})
`,
  'import-fails.test.mjs': "import { it } from 'vitest'\nthrow new Error('cannot import')\nit('x', () => {})\n",
  'mixed.test.mjs': `import { expect, it } from 'vitest'
it('passes', () => expect(1).toBe(1))
it('fails', () => expect(1).toBe(2))
it.skip('skipped on purpose', () => {})
`,
  'green.test.mjs': "import { expect, it } from 'vitest'\nit('passes too', () => expect(2).toBe(2))\n",
}

/** Runs this repository's vitest on throwaway files and returns its JSON report and exit status. */
function runVitest(dir, files) {
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text)
  }
  const out = join(dir, 'report.json')
  const r = spawnSync(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--root', dir, '--reporter=json', `--outputFile.json=${out}`],
    { encoding: 'utf8' },
  )
  return { report: JSON.parse(readFileSync(out, 'utf8')), code: r.status ?? 1 }
}

describe('npm test summary', () => {
  let dir
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keygate-summary-'))
  })
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('counts tests of a file whose setup failed, and a file that failed to import, as failed', () => {
    const { report, code } = runVitest(dir, FILES)
    const s = summarize(report, code)
    // 2 tests behind the failed beforeAll, 1 for the file that never loaded, 1 real failure.
    expect([s.passed, s.failed, s.skipped]).toEqual([2, 4, 1])
    expect(s.setupFailures.map((f) => f.split('/').pop()).sort()).toEqual([
      'import-fails.test.mjs',
      'setup-fails.test.mjs',
    ])
    expect(formatSummary(s)).toMatch(/^tests: 2 passed, 4 failed, 1 skipped \(setup failed in 2 file\(s\): /)
  })

  it('reports a clean run as it is, and a failing exit status with no failed test as one failure', () => {
    const clean = { numPassedTests: 3, numFailedTests: 0, numPendingTests: 1, numTodoTests: 0, testResults: [] }
    expect(formatSummary(summarize(clean, 0))).toBe('tests: 3 passed, 0 failed, 1 skipped')
    expect(summarize(clean, 1).failed).toBe(1)
  })
})

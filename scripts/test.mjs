#!/usr/bin/env node
// `npm test`: unit + integration (PGlite always; Postgres too when DATABASE_URL/TEST_DATABASE_URL is set) + browser
// tests when Chromium is installed. Under CI=true nothing may be left out: a missing browser or database fails.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { formatSummary, summarize } from './test-summary.mjs'

const CHROMIUM = '/usr/bin/chromium'
const isCi = process.env.CI === 'true'
const hasChromium = existsSync(CHROMIUM)
const hasPostgres = Boolean(process.env.TEST_DATABASE_URL || process.env.DATABASE_URL)
const notices = []

const projects = ['unit', 'integration']
if (hasChromium || isCi) {
  projects.push('e2e')
} else {
  notices.push(`Browser tests were NOT run: ${CHROMIUM} is missing (apt-get install -y chromium).`)
}
if (!hasPostgres) {
  notices.push(isCi ? 'CI=true without DATABASE_URL: the Postgres tests will fail.' : 'Postgres tests were NOT run: set DATABASE_URL to run the integration tests on a real Postgres too.')
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env })
  return r.status ?? 1
}

if (projects.includes('e2e') && run('npm', ['run', '-s', 'ui:build']) !== 0) {
  console.error('UI build failed')
  process.exit(1)
}

mkdirSync('test-results', { recursive: true })
const report = 'test-results/vitest.json'
const code = run('npx', [
  'vitest',
  'run',
  ...projects.flatMap((p) => ['--project', p]),
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
])

for (const n of notices) {
  console.log(`NOTICE: ${n}`)
}
let summary = 'tests: 0 passed, 1 failed, 0 skipped (no report)'
if (existsSync(report)) {
  summary = formatSummary(summarize(JSON.parse(readFileSync(report, 'utf8')), code))
}
console.log(summary)
process.exit(code)

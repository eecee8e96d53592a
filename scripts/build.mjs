#!/usr/bin/env node
// `npm run build`: compiles the gateway (tsc → dist/) and the UI (vite → admin-ui/dist/), then records what they
// were built from. `npm start` runs it with --if-stale, which builds only when the outputs are missing or the
// sources changed since (scripts/build-inputs.mjs), so a second start skips the ~15 s of a build.
import { spawnSync } from 'node:child_process'
import { buildState, fingerprintInputs, forgetBuild, recordBuild } from './build-inputs.mjs'

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' })
  if (r.status !== 0) {
    process.exit(r.status ?? 1)
  }
}

const root = process.cwd()
// Hashed before the build: a file edited while it runs makes the next start build again.
const fingerprint = fingerprintInputs(root)
if (process.argv.includes('--if-stale')) {
  const state = buildState(root, fingerprint)
  if (state === 'current') {
    process.exit(0)
  }
  console.log(`building: ${state}`)
}
forgetBuild(root)
run('npx', ['tsc', '-p', 'tsconfig.build.json'])
run('npm', ['run', '-s', 'ui:build'])
recordBuild(root, fingerprint)

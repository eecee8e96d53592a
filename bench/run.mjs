#!/usr/bin/env node
// Keygate benchmarks: direct to a fast fake vLLM engine, through a bare node:http+undici proxy, through the peer
// gateway (Portkey 1.15.2, bench/peer) and through Keygate, in one run on one machine. See bench/README.md.
//
//   node bench/run.mjs --quick | --full  [--only 1,3] [--targets direct,bare,keygate] [--no-build] [--no-write]
//                                        [--no-pin|--pin] [--profile]   (Keygate runs with --cpu-prof; profiles land in the work dir)
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { appendResults, machineInfo, runHeader } from './lib/report.mjs'
import {
  buildGateway,
  createDatabase,
  createKey,
  dropDatabase,
  probe,
  PIN,
  ROOT,
  startBare,
  startEngine,
  startKeygate,
  startPeer,
  stopAll,
  TARGETS,
  writeModelsFile,
} from './lib/stack.mjs'
import { scenario5, scenario6 } from './scenarios/keys.mjs'
import { scenario1, scenario2 } from './scenarios/latency.mjs'
import { scenario8 } from './scenarios/limits.mjs'
import { scenario7 } from './scenarios/revocation.mjs'
import { scenario3, scenario4 } from './scenarios/streaming.mjs'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    only: { type: 'string' },
    targets: { type: 'string' },
    build: { type: 'boolean', default: true },
    'no-build': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
    pin: { type: 'boolean', default: false },
  },
})
const full = values.full
const mode = full ? 'full' : 'quick'
const SCENARIOS = {
  1: scenario1,
  2: scenario2,
  3: scenario3,
  4: scenario4,
  5: scenario5,
  6: scenario6,
  7: scenario7,
  8: scenario8,
}
const defaultSet = full ? [1, 2, 3, 4, 5, 6, 7, 8] : [1, 2, 3, 5, 7, 8]
const selected = values.only ? values.only.split(',').map(Number) : defaultSet
const wantTargets = values.targets ? values.targets.split(',') : TARGETS
const needsKeygate = wantTargets.includes('keygate') || selected.some((n) => [5, 6, 7, 8].includes(n))

const started = new Date()
const workDir = mkdtempSync(join(tmpdir(), 'keygate-bench-'))
mkdirSync(join(workDir, 'prof'), { recursive: true })
const t0 = performance.now()
const log = (msg) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`)
const ctx = {
  full,
  workDir,
  logDir: workDir,
  log,
  record: {},
  targets: [],
  stack: { pids: {}, keygate: null },
}
const info = machineInfo()
const command = `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim()
const layout = !PIN
  ? 'no pinning (--no-pin, or the load average at start exceeded the core count): the scheduler places engine, load generator and gateway'
  : 'core 0: fake engine + load generator (wrk / stream client); core 1: the gateway under test (taskset); Postgres and the orchestrator unpinned'
const sections = [runHeader({ mode, command, started, info, layout })]
log(`work dir ${workDir}; CPU ${info.cpu} ×${info.cores}; load ${info.loadavg}`)

const procs = []
const dbName = `keygate_bench_${process.pid}`
let dbCreated = false
let exitCode = 0
try {
  if (needsKeygate && values.build && !values['no-build']) {
    log('building the gateway (tsc)')
    await buildGateway(ctx)
  }
  ctx.modelsFile = writeModelsFile(workDir)
  const engine = await startEngine(ctx)
  procs.push(engine)
  ctx.stack.pids.direct = engine.child.pid
  const unavailable = []
  for (const t of wantTargets) {
    try {
      if (t === 'bare') {
        const p = await startBare(ctx)
        procs.push(p)
        ctx.stack.pids.bare = p.child.pid
      } else if (t === 'peer') {
        const p = await startPeer(ctx)
        procs.push(p)
        ctx.stack.pids.peer = p.child.pid
      }
    } catch (err) {
      unavailable.push(`${t}: ${String(err.message).split('\n')[0]}`)
    }
  }
  if (needsKeygate) {
    try {
      const databaseUrl = await createDatabase(dbName)
      dbCreated = true
      const nodeArgs = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(workDir, 'prof')}`] : []
      const kg = await startKeygate(ctx, { databaseUrl, nodeArgs })
      procs.push(kg.proc)
      ctx.stack.pids.keygate = kg.proc.child.pid
      kg.key = await createKey(ctx, kg, 'bench')
      kg.databaseUrl = databaseUrl
      kg.databaseName = dbName
      ctx.stack.keygate = kg
    } catch (err) {
      unavailable.push(`keygate: ${String(err.message).split('\n').slice(0, 3).join(' ')}`)
    }
  }
  for (const t of wantTargets) {
    if (unavailable.some((u) => u.startsWith(`${t}:`))) continue
    const problem = await probe(ctx.stack, t)
    if (problem) unavailable.push(`${t}: ${problem}`)
    else ctx.targets.push(t)
  }
  if (!ctx.targets.includes('direct')) throw new Error('the fake engine does not answer')
  if (unavailable.length) {
    const text = `Targets left out of this run:\n${unavailable.map((u) => `- ${u}`).join('\n')}\n`
    sections.push(text)
    log(text)
  }
  log(`targets: ${ctx.targets.join(', ')}; scenarios: ${selected.join(', ')}`)
  for (const n of selected) {
    const needs = [5, 6, 7, 8].includes(n) ? ctx.targets.includes('keygate') : true
    if (!needs) {
      sections.push(`### ${n}. skipped: Keygate is not available in this run\n`)
      continue
    }
    const s0 = performance.now()
    try {
      const r = await SCENARIOS[n](ctx)
      const text = `### ${r.title}\n\n${r.table}\n\n${r.notes ?? ''}\n(${((performance.now() - s0) / 1000).toFixed(0)} s)\n`
      sections.push(text)
      process.stdout.write(`\n${text}\n`)
    } catch (err) {
      exitCode = 1
      const text = `### ${n}. FAILED: ${String(err.message).split('\n').slice(0, 6).join(' / ')}\n`
      sections.push(text)
      log(text)
    }
  }
} catch (err) {
  exitCode = 1
  sections.push(`Run aborted: ${String(err.message).split('\n').slice(0, 6).join(' / ')}\n`)
  log(String(err.stack ?? err))
} finally {
  await stopAll(procs)
  if (dbCreated) await dropDatabase(dbName).catch((err) => log(`drop database: ${err.message}`))
  sections.push(`Total time ${((performance.now() - t0) / 1000).toFixed(0)} s. Logs${values.profile ? ' and CPU profiles' : ''}: ${workDir}\n`)
  if (!values['no-write']) appendResults(join(ROOT, 'bench/RESULTS.md'), sections.join('\n'))
  log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s${values['no-write'] ? '' : '; appended to bench/RESULTS.md'}`)
}
process.exit(exitCode)

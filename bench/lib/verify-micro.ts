// Scenario 5a: cached key verifications per second, through Keygate's own KeyService (SHA-256 + cache lookup +
// policy decision), on one core. Run with tsx; prints one JSON line.
//
//   node --import tsx bench/lib/verify-micro.ts --database-url postgres://…/db --key kg_… [--seconds 2]
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { ChangeFeed } from '../../gateway/src/changes/change-feed.js'
import { systemClock } from '../../gateway/src/clock.js'
import { openDatabase } from '../../gateway/src/db/database.js'
import { createKeyService } from '../../gateway/src/keys/key-service.js'
import { createLogger } from '../../gateway/src/observability/logger.js'

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    key: { type: 'string' },
    seconds: { type: 'string', default: '2' },
  },
})
const url = values['database-url']
const key = values.key
if (url === undefined || key === undefined) {
  throw new Error('--database-url and --key are required')
}
const logger = createLogger('warn')
const database = await openDatabase({ kind: 'postgres', url })
const changes = new ChangeFeed({ database, refreshMs: 60_000, logger })
const keys = createKeyService({ db: database.db, changes, clock: systemClock, logger })
await changes.start()
await keys.start() // as createDeps does: the set of known key hashes

const first = await keys.verify(key)
if (!first.ok) {
  throw new Error(`the key does not verify: ${first.reason}`)
}
const loadsBefore = keys.loadCount()

/**
 * Verifies `key` in batches until `ms` passed; every answer must be synchronous (a cache hit) and ok. Also returns
 * the CPU time this process spent, since on a shared machine wall time includes time spent descheduled.
 */
function spin(ms: number): { count: number; seconds: number; cpuSeconds: number } {
  let count = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const end = t0 + ms
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) {
      const r = keys.verify(key as string)
      if (r instanceof Promise || !r.ok) {
        throw new Error('a cached key did not verify synchronously')
      }
    }
    count += 1000
  }
  const cpu = process.cpuUsage(cpu0)
  return {
    count,
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  }
}

spin(300) // warm-up: JIT
const run = spin(Number(values.seconds) * 1000)
const result = {
  verificationsPerSec: run.count / run.seconds,
  /** Per second of this process's CPU time: robust to other load on the core. */
  verificationsPerCpuSec: run.count / run.cpuSeconds,
  count: run.count,
  seconds: run.seconds,
  cpuSeconds: run.cpuSeconds,
  databaseLoadsDuringRun: keys.loadCount() - loadsBefore,
}
await changes.stop()
await database.close()
process.stdout.write(`${JSON.stringify(result)}\n`)
process.exit(0)

// Scenario 7: revocation across two replicas on one Postgres. Each try creates a key on replica A, makes replica B
// cache it (one successful request), deletes it on A, then polls B every 2 ms until it answers 401.
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { stopProc } from '../lib/procs.mjs'
import { CPU_LOAD, endpoint, KEYGATE_B_PORT, startKeygate } from '../lib/stack.mjs'
import { fmt, markdownTable, summarize } from '../lib/stats.mjs'

const POLL_CAP_MS = 3000

async function status(url, key, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body,
  })
  await res.arrayBuffer()
  return res.status
}

export async function scenario7(ctx) {
  const tries = 50
  const a = ctx.stack.keygate
  const b = await startKeygate(ctx, { name: 'keygate-b', port: KEYGATE_B_PORT, databaseUrl: a.databaseUrl, cpu: CPU_LOAD })
  const { body } = endpoint(ctx.stack, 'keygate', 'fast')
  const path = '/v1/chat/completions'
  const times = []
  let missed = 0
  let staleOnA = 0
  let setupErrors = 0
  let firstError = null
  try {
    for (let i = 0; i < tries; i++) {
      const created = await fetch(`${a.url}/v2/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `s7-${process.pid}-${i}`, scope: ['inference'] }),
      })
      const key = await created.json()
      const warm = created.status === 201 ? await status(`${b.url}${path}`, key.value, body) : 0
      if (created.status !== 201 || warm !== 200) {
        setupErrors++
        firstError ??= `create ${created.status}, first use on B ${warm}`
        continue
      }
      const t0 = performance.now()
      const del = await fetch(`${a.url}/v2/api-keys/${key.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${a.key}` } })
      await del.arrayBuffer()
      if (del.status !== 204) {
        setupErrors++
        firstError ??= `DELETE ${del.status}`
        continue
      }
      // in force on the replica that made the change before the call returns
      if ((await status(`${a.url}${path}`, key.value, body)) !== 401) staleOnA++
      let revoked = false
      while (performance.now() - t0 < POLL_CAP_MS) {
        if ((await status(`${b.url}${path}`, key.value, body)) === 401) {
          revoked = true
          break
        }
        await sleep(2)
      }
      if (revoked) times.push(performance.now() - t0)
      else missed++
    }
  } finally {
    await stopProc(b.proc)
  }
  const s = summarize(times)
  ctx.record.s7 = { s, missed, staleOnA, setupErrors }
  ctx.log(`s7: p50 ${fmt(s.p50, 1)} ms p99 ${fmt(s.p99, 1)} ms, missed ${missed}`)
  return {
    title: `7. Revocation across two replicas (${tries} tries)`,
    table: markdownTable(
      ['tries measured', 'p50 ms', 'p99 ms', 'max ms', `not revoked on B within ${POLL_CAP_MS} ms`, 'still 200 on A after DELETE returned', 'setup errors'],
      [[String(s.n), fmt(s.p50, 1), fmt(s.p99, 1), fmt(s.max, 1), String(missed), String(staleOnA), String(setupErrors) + (firstError ? ` (${firstError})` : '')]],
    ),
    notes: 'Time from sending DELETE /v2/api-keys/{id} to replica A until replica B first answers 401 (polled every 2 ms). Target: p99 ≤ 1 s.',
  }
}

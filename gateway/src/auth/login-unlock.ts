import type { Kysely } from 'kysely'
import { type AuditActor, recordAudit } from '../audit/audit-log.js'
import { type ChangeEvent, type ChangeFeed, recordChange } from '../changes/change-feed.js'
import type { Tables } from '../db/tables.js'
import type { LoginThrottle, ThrottleTarget } from './login-throttle.js'

/**
 * The way out of a login lock. The throttle is in memory on every replica, and `keygate unlock` (or
 * `reset-admin-password`) runs in another process, so an unlock is a `login` change event: written to the
 * database with its audit row, announced by NOTIFY, and applied by every replica's change feed (or its periodic
 * refresh) to its own throttle.
 */

/** The event target: `user:NAME`, `address:IP`, or `*` for everything. */
export function encodeUnlockTarget(target: ThrottleTarget): string {
  if (target === 'all') {
    return '*'
  }
  return 'username' in target ? `user:${target.username}` : `address:${target.address}`
}

export function decodeUnlockTarget(text: string): ThrottleTarget | undefined {
  if (text === '*') {
    return 'all'
  }
  if (text.startsWith('user:')) {
    return { username: text.slice(5) }
  }
  if (text.startsWith('address:')) {
    return { address: text.slice(8) }
  }
  return undefined
}

/**
 * Records an unlock inside the caller's transaction (reset-admin-password's, say): the row and its NOTIFY become
 * visible at commit, with the change that warranted it.
 */
export async function recordUnlock(
  tx: Kysely<Tables>,
  target: ThrottleTarget,
  actor: AuditActor,
): Promise<void> {
  const encoded = encodeUnlockTarget(target)
  await recordChange(tx, 'login', encoded)
  await recordAudit(tx, { actor, action: 'login.unlock', target: { type: 'login', id: encoded } })
}

/** `keygate unlock`: clears the failed-login counters of `target` on every running replica. */
export function unlockLogins(
  db: Kysely<Tables>,
  target: ThrottleTarget,
  actor: AuditActor,
): Promise<void> {
  return db.transaction().execute((tx) => recordUnlock(tx, target, actor))
}

/** Unlock event ids remembered, so a re-delivered one does not clear failures counted since. */
const MAX_REMEMBERED = 1000

/**
 * Applies every replica's unlock events to this replica's throttle, each once: the feed's safety refresh
 * re-delivers the last minutes of events, and re-applying an old unlock would forgive the failures since.
 */
export function followUnlocks(changes: ChangeFeed, throttle: LoginThrottle): void {
  const applied = new Set<number>()
  changes.subscribe((events: readonly ChangeEvent[]) => {
    for (const event of events) {
      const target = event.kind === 'login' ? decodeUnlockTarget(event.target) : undefined
      if (target === undefined || applied.has(event.id)) {
        continue
      }
      applied.add(event.id)
      const oldest = applied.values().next()
      if (applied.size > MAX_REMEMBERED && !oldest.done) {
        applied.delete(oldest.value)
      }
      throttle.clear(target)
    }
  })
}

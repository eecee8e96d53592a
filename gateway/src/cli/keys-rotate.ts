import { parseArgs } from 'node:util'
import { migrate } from '../db/migrate.js'
import { checkInput } from '../http/input-check.js'
import { rotateKeyBody } from '../keys/key-input.js'
import { findKeyIdByOwnerAndName, findUserIdByUsername } from '../keys/key-repository.js'
import { rotateKey } from '../keys/key-writes.js'
import type { CommandContext } from './command-context.js'

const OPTIONS = {
  user: { type: 'string' },
  name: { type: 'string' },
  grace: { type: 'string' },
  custom: { type: 'string' },
} as const

const USAGE =
  'Usage: keygate keys rotate --user NAME --name KEYNAME [--grace SECONDS] [--custom VALUE]'

/**
 * `keygate keys rotate`: the same rules and code path as POST /v2/api-keys/{id}/rotate (keys/key-writes.ts), for
 * the key named KEYNAME of user NAME. Prints the new value alone on stdout, once; everything else goes to
 * stderr. The old value keeps working for --grace seconds (default 0, at most 604800). Exit 0 rotated, 1 refused
 * or failed, 2 bad usage.
 */
export async function runKeysRotate(ctx: CommandContext, args: string[]): Promise<number> {
  const { io } = ctx
  let values: { [K in keyof typeof OPTIONS]?: string }
  try {
    values = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values
  } catch (err) {
    io.err(`keys rotate: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`)
    return 2
  }
  if (values.user === undefined || values.name === undefined) {
    io.err(`keys rotate: --user and --name are required\n${USAGE}`)
    return 2
  }
  const grace = values.grace
  const body = checkInput(rotateKeyBody, {
    grace_seconds: grace === undefined ? undefined : /^\d+$/.test(grace) ? Number(grace) : grace,
    custom_key: values.custom,
  })
  if (!body.ok) {
    io.err(`keys rotate: ${body.message}`)
    return 2
  }
  const { user, name } = values
  return ctx.useDatabase(async (database) => {
    await migrate(database)
    const owner = await findUserIdByUsername(database.db, user)
    const keyId =
      owner === undefined ? undefined : await findKeyIdByOwnerAndName(database.db, owner.id, name)
    if (keyId === undefined) {
      io.err(`keys rotate: user ${user} has no key named ${name}`)
      return 1
    }
    const outcome = await rotateKey(database.db, {
      id: keyId,
      graceSeconds: body.value.grace_seconds ?? 0,
      custom: body.value.custom_key ?? null,
      actor: { userId: null, keyId: null },
      nowMs: Date.now(),
    })
    if (!outcome.ok) {
      const why =
        outcome.reason === 'weak_custom_value' || outcome.reason === 'lifetime_policy'
          ? outcome.message
          : outcome.reason === 'duplicate_value'
            ? 'this key value is already in use'
            : `user ${user} has no key named ${name}`
      io.err(`keys rotate: ${why}`)
      return 1
    }
    io.out(outcome.value)
    const until = outcome.key.previous_key_expires_at
    io.err(
      `keys rotate: rotated key ${outcome.key.id} (${outcome.key.masked_value}); the old value ${
        until === null ? 'no longer works' : `works until ${until.toISOString()}`
      }`,
    )
    return 0
  })
}

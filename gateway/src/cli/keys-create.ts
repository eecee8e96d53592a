import { parseArgs } from 'node:util'
import { migrate } from '../db/migrate.js'
import { checkInput } from '../http/input-check.js'
import { createKeyBody, toCreateKeyInput } from '../keys/key-input.js'
import { findUserIdByUsername } from '../keys/key-repository.js'
import { createKey } from '../keys/key-writes.js'
import type { CommandContext } from './command-context.js'

const OPTIONS = {
  user: { type: 'string' },
  name: { type: 'string' },
  scope: { type: 'string' },
  models: { type: 'string' },
  'expires-in': { type: 'string' },
  custom: { type: 'string' },
  description: { type: 'string' },
} as const

const USAGE =
  'Usage: keygate keys create --user NAME --name NAME [--scope inference,management] [--models a,b]\n' +
  '                           [--expires-in SECONDS] [--custom VALUE] [--description TEXT]'

function splitList(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
}

/**
 * `keygate keys create`: the same rules and code path as POST /v2/api-keys (keys/key-writes.ts). Prints the key
 * value alone on stdout, once; everything else goes to stderr. Exit 0 created, 1 refused or failed, 2 bad usage.
 */
export async function runKeysCreate(ctx: CommandContext, args: string[]): Promise<number> {
  const { io } = ctx
  let values: { [K in keyof typeof OPTIONS]?: string }
  try {
    values = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values
  } catch (err) {
    io.err(`keys create: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`)
    return 2
  }
  if (values.user === undefined || values.name === undefined) {
    io.err(`keys create: --user and --name are required\n${USAGE}`)
    return 2
  }
  const username = values.user
  const expiresIn = values['expires-in']
  const body = checkInput(createKeyBody, {
    name: values.name,
    description: values.description,
    scope: splitList(values.scope),
    allowed_model_names: splitList(values.models),
    expires_in: expiresIn === undefined ? undefined : Number(expiresIn),
    custom: values.custom,
  })
  if (!body.ok) {
    io.err(`keys create: ${body.message}`)
    return 2
  }
  return ctx.useDatabase(async (database) => {
    await migrate(database)
    const owner = await findUserIdByUsername(database.db, username)
    if (owner === undefined || !owner.is_active) {
      io.err(`keys create: no active user named ${username}`)
      return 1
    }
    const input = body.value
    const outcome = await createKey(database.db, {
      ownerId: owner.id,
      actor: { userId: null, keyId: null },
      nowMs: Date.now(),
      input: toCreateKeyInput(input),
    })
    if (!outcome.ok) {
      const why =
        outcome.reason === 'weak_custom_value' || outcome.reason === 'lifetime_policy'
          ? outcome.message
          : outcome.reason === 'duplicate_name'
            ? `user ${username} already has a key named ${input.name}`
            : 'this key value is already in use'
      io.err(`keys create: ${why}`)
      return 1
    }
    io.out(outcome.value)
    io.err(
      `keys create: created key ${outcome.key.id} (${outcome.key.masked_value}) for ${username}`,
    )
    return 0
  })
}

import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { recordChange } from '../../src/changes/change-feed.js'
import type { AccessPolicy, Backend, Scope, Tables } from '../../src/db/tables.js'
import { hashPassword } from '../../src/users/password.js'

/**
 * Typed helpers that put rows straight into the database, for arranging a test. Keys and models also record a
 * cache_events row, as the API would; `await gw.deps.changes.catchUp()` makes a running gateway see them at once.
 */

export interface SeededUser {
  id: number
  username: string
  password: string
}

export async function seedUser(
  db: Kysely<Tables>,
  opts: { username?: string; password?: string; isAdmin?: boolean; isActive?: boolean } = {},
): Promise<SeededUser> {
  const username = opts.username ?? `user-${randomBytes(4).toString('hex')}`
  const password = opts.password ?? `pw-${randomBytes(8).toString('hex')}`
  const row = await db
    .insertInto('users')
    .values({
      username,
      password_hash: await hashPassword(password),
      is_admin: opts.isAdmin ?? false,
      is_active: opts.isActive ?? true,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { id: row.id, username, password }
}

export interface SeededKey {
  id: number
  value: string
}

/** Inserts a generated-format key directly (bypassing the API), e.g. to test expiry in the past. */
export async function seedKey(
  db: Kysely<Tables>,
  opts: {
    userId: number
    name?: string
    scope?: Scope[]
    allowedModelNames?: string[]
    expiresAt?: Date | null
    isActive?: boolean
  },
): Promise<SeededKey> {
  const accessKey = randomBytes(8).toString('hex')
  const secret = randomBytes(16).toString('hex')
  const value = `kg_${accessKey}_${secret}`
  const row = await db
    .insertInto('api_keys')
    .values({
      user_id: opts.userId,
      name: opts.name ?? `key-${accessKey}`,
      key_hash: createHash('sha256').update(value).digest('hex'),
      access_key: accessKey,
      masked_value: `kg_${accessKey.slice(0, 8)}…${secret.slice(-4)}`,
      scope: opts.scope ?? ['inference'],
      allowed_model_names: opts.allowedModelNames ?? [],
      expires_at: opts.expiresAt ?? null,
      is_active: opts.isActive ?? true,
    })
    .returning(['id', 'key_hash'])
    .executeTakeFirstOrThrow()
  await recordChange(db, 'key', row.key_hash)
  return { id: row.id, value }
}

/** Deletes a key and records its change in one transaction, as the API (on any replica) does. */
export async function deleteSeededKey(db: Kysely<Tables>, keyId: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const row = await tx
      .deleteFrom('api_keys')
      .where('id', '=', keyId)
      .returning('key_hash')
      .executeTakeFirstOrThrow()
    await recordChange(tx, 'key', row.key_hash)
  })
}

export async function seedModel(
  db: Kysely<Tables>,
  opts: {
    name: string
    backend?: Backend
    upstreamModelName?: string | null
    accessPolicy?: AccessPolicy
    /** The proxied routes it serves; omitted: its backend's. */
    routes?: string[] | null
    instances?: { url: string; weight?: number; apiKey?: string | null }[]
    grantUserIds?: number[]
  },
): Promise<{ id: number }> {
  const model = await db
    .insertInto('models')
    .values({
      name: opts.name,
      backend: opts.backend ?? 'vllm',
      upstream_model_name: opts.upstreamModelName ?? null,
      access_policy: opts.accessPolicy ?? 'authed',
      // Left out unless given, so the seed also runs on a 0.1.0 schema (before the column existed).
      ...(opts.routes === undefined ? {} : { routes: opts.routes }),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  for (const inst of opts.instances ?? []) {
    await db
      .insertInto('model_instances')
      .values({
        model_id: model.id,
        url: inst.url,
        weight: inst.weight ?? 1,
        api_key: inst.apiKey ?? null,
      })
      .execute()
  }
  for (const userId of opts.grantUserIds ?? []) {
    await db
      .insertInto('model_user_grants')
      .values({ model_id: model.id, user_id: userId })
      .execute()
  }
  await recordChange(db, 'model', String(model.id))
  return model
}

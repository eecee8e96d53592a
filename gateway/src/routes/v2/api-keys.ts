import type { Context, Hono } from 'hono'
import { type AuditActor, userActor } from '../../audit/audit-log.js'
import { ownerFilter } from '../../auth/owner-filter.js'
import type { Principal } from '../../auth/principal.js'
import type { Deps } from '../../deps.js'
import type { AppEnv } from '../../http/app-env.js'
import { GatewayError } from '../../http/gateway-error.js'
import { toPage } from '../../http/page.js'
import { parseInput, readJsonBody, readQuery, unwrapInput } from '../../http/request-input.js'
import { type ApiKeyPage, type CreatedApiKey, toApiKey } from '../../keys/api-key-view.js'
import {
  checkListQuery,
  createKeyBody,
  FIXED_KEY_FIELDS,
  toCreateKeyInput,
  updateKeyBody,
} from '../../keys/key-input.js'
import { type ApiKeyRecord, findApiKeyById, listApiKeys } from '../../keys/key-repository.js'
import { createKey, editKey, removeKey } from '../../keys/key-writes.js'

/**
 * /v2/api-keys, shaped like GPUStack's. Callers act on their own keys; an admin may act on anyone's.
 * A key created here always belongs to the caller, admin or not. Every write commits with its cache_events row,
 * then waits for this replica's change feed, so the change is in force here before the response.
 */
export function registerApiKeyRoutes(app: Hono<AppEnv>, deps: Deps): void {
  const db = deps.database.db

  app.get('/v2/api-keys', async (c) => {
    const principal = c.get('principal')
    const q = unwrapInput(checkListQuery(readQuery(c)))
    const { rows, total } = await listApiKeys(db, {
      ownerId: ownerFilter(principal, q.userId, 'keys'),
      search: q.search,
      sortBy: q.sortBy,
      descending: q.descending,
      limit: q.perPage,
      offset: (q.page - 1) * q.perPage,
    })
    const page: ApiKeyPage = toPage(rows.map(toApiKey), q, total)
    return c.json(page)
  })

  app.post('/v2/api-keys', async (c) => {
    const principal = c.get('principal')
    const body = parseInput(createKeyBody, await readJsonBody(c))
    const outcome = await createKey(db, {
      ownerId: principal.userId,
      actor: actorOf(principal),
      nowMs: deps.clock.now(),
      input: toCreateKeyInput(body),
    })
    if (!outcome.ok) {
      if (outcome.reason === 'weak_custom_value') {
        throw new GatewayError('validation_error', { message: outcome.message, param: 'custom' })
      }
      throw outcome.reason === 'duplicate_name'
        ? new GatewayError('conflict', {
            message: 'You already have a key with this name.',
            param: 'name',
          })
        : new GatewayError('conflict', {
            message: 'This key value is already in use.',
            param: 'custom',
          })
    }
    await deps.changes.catchUp()
    const created: CreatedApiKey = { ...toApiKey(outcome.key), value: outcome.value }
    c.header('cache-control', 'no-store')
    return c.json(created, 201)
  })

  app.get('/v2/api-keys/:id', async (c) => {
    const key = await findOwnKey(c, db)
    return c.json(toApiKey(key))
  })

  app.put('/v2/api-keys/:id', async (c) => {
    const raw = await readJsonBody(c)
    refuseFixedFields(raw)
    const patch = parseInput(updateKeyBody, raw)
    const key = await findOwnKey(c, db)
    const updated = await editKey(db, {
      id: key.id,
      actor: actorOf(c.get('principal')),
      patch: {
        description: patch.description,
        scope: patch.scope,
        allowed_model_names: patch.allowed_model_names,
        expires_at: patch.expires_at,
        is_active: patch.is_active,
      },
    })
    if (updated === undefined) {
      throw new GatewayError('not_found', { message: 'API key not found.' })
    }
    await deps.changes.catchUp()
    return c.json(toApiKey(updated))
  })

  app.delete('/v2/api-keys/:id', async (c) => {
    const key = await findOwnKey(c, db)
    if (!(await removeKey(db, { id: key.id, actor: actorOf(c.get('principal')) }))) {
      throw new GatewayError('not_found', { message: 'API key not found.' })
    }
    await deps.changes.catchUp()
    return c.body(null, 204)
  })
}

function actorOf(principal: Principal): AuditActor {
  return userActor(principal.userId, principal.keyId)
}

function refuseFixedFields(raw: unknown): void {
  if (typeof raw !== 'object' || raw === null) {
    return
  }
  const fixed = FIXED_KEY_FIELDS.find((f) => f in raw)
  if (fixed !== undefined) {
    throw new GatewayError('validation_error', {
      message: `The ${fixed} of an API key cannot be changed; create a new key instead.`,
      param: fixed,
    })
  }
}

/** The key named in the path if the caller may act on it; otherwise 404, so ids of others' keys stay unknown. */
async function findOwnKey(c: Context<AppEnv>, db: Deps['database']['db']): Promise<ApiKeyRecord> {
  const principal = c.get('principal')
  const raw = c.req.param('id') ?? ''
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : undefined
  const key = id === undefined ? undefined : await findApiKeyById(db, id)
  if (key === undefined || (!principal.isAdmin && key.user_id !== principal.userId)) {
    throw new GatewayError('not_found', { message: 'API key not found.' })
  }
  return key
}

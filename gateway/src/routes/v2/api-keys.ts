import type { Context, Hono } from 'hono'
import type { AuditActor } from '../../audit/audit-log.js'
import { ownerFilter } from '../../auth/owner-filter.js'
import type { Principal } from '../../auth/principal.js'
import type { Deps } from '../../deps.js'
import type { AppEnv } from '../../http/app-env.js'
import { GatewayError } from '../../http/gateway-error.js'
import { toPage } from '../../http/page.js'
import {
  parseInput,
  readJsonBody,
  readOptionalJsonBody,
  readQuery,
  unwrapInput,
} from '../../http/request-input.js'
import {
  type ApiKeyLimitUse,
  type ApiKeyPage,
  type CreatedApiKey,
  toApiKey,
} from '../../keys/api-key-view.js'
import {
  checkListQuery,
  createKeyBody,
  FIXED_KEY_FIELDS,
  rotateKeyBody,
  toCreateKeyInput,
  updateKeyBody,
} from '../../keys/key-input.js'
import { type ApiKeyRecord, findApiKeyById, listApiKeys } from '../../keys/key-repository.js'
import {
  createKey,
  editKey,
  type KeyWriteRefusal,
  removeKey,
  rotateKey,
} from '../../keys/key-writes.js'
import { periodAt } from '../../limits/budget-period.js'
import {
  type LimitColumnsValues,
  limitAboveOwner,
  limitColumns,
  pickLimitFields,
} from '../../limits/limit-input.js'
import { readKeyUseSince } from '../../usage/key-period-use.js'
import { findUserById } from '../../users/user-repository.js'

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
    const now = deps.clock.now()
    const { rows, total } = await listApiKeys(db, {
      ownerId: ownerFilter(principal, q.userId, 'keys'),
      search: q.search,
      metadata: q.metadata,
      expiringBefore:
        q.expiringWithinMs === null
          ? null
          : { now: new Date(now), until: new Date(now + q.expiringWithinMs) },
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
    const input = toCreateKeyInput(body)
    await checkWithinOwnerLimits(db, principal, principal.userId, input.limits)
    const outcome = await createKey(db, {
      ownerId: principal.userId,
      actor: actorOf(principal),
      nowMs: deps.clock.now(),
      input,
    })
    if (!outcome.ok) {
      throw refusalError(outcome, { custom: 'custom', expiry: 'expires_in' })
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

  app.get('/v2/api-keys/:id/limits', async (c) => {
    const key = await findOwnKey(c, db)
    const period = key.budget_period ?? 'month'
    const periodStart = new Date(periodAt(period, deps.clock.now()).startMs)
      .toISOString()
      .slice(0, 10)
    try {
      await deps.usage.flush() // this replica's last requests count too
    } catch (err) {
      c.get('log').warn({ err }, 'usage flush before limits read failed')
    }
    const used = await readKeyUseSince(db, key.id, periodStart)
    const body: ApiKeyLimitUse = {
      api_key_id: key.id,
      rpm_limit: key.rpm_limit,
      tpm_limit: key.tpm_limit,
      max_parallel_requests: key.max_parallel_requests,
      token_budget: key.token_budget,
      budget_period: period,
      period_start: periodStart,
      ...used,
    }
    return c.json(body)
  })

  app.put('/v2/api-keys/:id', async (c) => {
    const raw = await readJsonBody(c)
    refuseFixedFields(raw)
    const patch = parseInput(updateKeyBody, raw)
    const key = await findOwnKey(c, db)
    const limits = pickLimitFields(patch)
    await checkWithinOwnerLimits(db, c.get('principal'), key.user_id, {
      ...limitColumns(key),
      ...limits,
    })
    const outcome = await editKey(db, {
      id: key.id,
      actor: actorOf(c.get('principal')),
      nowMs: deps.clock.now(),
      patch: {
        name: patch.name,
        description: patch.description,
        scope: patch.scope,
        allowed_model_names: patch.allowed_model_names,
        expires_at: patch.expires_at,
        is_active: patch.is_active,
        ...limits,
        metadata: patch.metadata,
        allowed_ips: patch.allowed_ips,
      },
    })
    if (!outcome.ok) {
      throw outcome.reason === 'not_found'
        ? new GatewayError('not_found', { message: 'API key not found.' })
        : refusalError(outcome, { custom: 'custom', expiry: 'expires_at' })
    }
    await deps.changes.catchUp()
    return c.json(toApiKey(outcome.key))
  })

  app.post('/v2/api-keys/:id/rotate', async (c) => {
    const body = parseInput(rotateKeyBody, await readOptionalJsonBody(c))
    const key = await findOwnKey(c, db)
    const outcome = await rotateKey(db, {
      id: key.id,
      graceSeconds: body.grace_seconds ?? 0,
      custom: body.custom_key ?? null,
      actor: actorOf(c.get('principal')),
      nowMs: deps.clock.now(),
    })
    if (!outcome.ok) {
      throw outcome.reason === 'not_found'
        ? new GatewayError('not_found', { message: 'API key not found.' })
        : refusalError(outcome, { custom: 'custom_key', expiry: 'expires_at' })
    }
    await deps.changes.catchUp()
    const rotated: CreatedApiKey = { ...toApiKey(outcome.key), value: outcome.value }
    c.header('cache-control', 'no-store')
    return c.json(rotated)
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

/**
 * A user who is not an admin may give their own keys limits only within their own user limits (an admin sets
 * those, and may set any key's). 422 naming the first field above the owner's.
 */
async function checkWithinOwnerLimits(
  db: Deps['database']['db'],
  principal: Principal,
  ownerId: number,
  limits: LimitColumnsValues,
): Promise<void> {
  if (principal.isAdmin) {
    return
  }
  const owner = await findUserById(db, ownerId)
  if (owner === undefined) {
    return
  }
  const above = limitAboveOwner(limits, limitColumns(owner))
  if (above !== undefined) {
    throw new GatewayError('validation_error', {
      message: `${above.field}: must be at most ${above.ownerValue}, your own user limit.`,
      param: above.field,
    })
  }
}

/** The error for a refused key write; `fields` names the request's fields for the custom value and the expiry. */
function refusalError(
  refusal: KeyWriteRefusal,
  fields: { custom: string; expiry: string },
): GatewayError {
  switch (refusal.reason) {
    case 'weak_custom_value':
      return new GatewayError('validation_error', {
        message: refusal.message,
        param: fields.custom,
      })
    case 'lifetime_policy':
      return new GatewayError('validation_error', {
        message: refusal.message,
        param: fields.expiry,
      })
    case 'duplicate_name':
      return new GatewayError('conflict', {
        message: 'This owner already has a key with this name.',
        param: 'name',
      })
    case 'duplicate_value':
      return new GatewayError('conflict', {
        message: 'This key value is already in use.',
        param: fields.custom,
      })
  }
}

function actorOf(principal: Principal): AuditActor {
  return { userId: principal.userId, keyId: principal.keyId }
}

function refuseFixedFields(raw: unknown): void {
  if (typeof raw !== 'object' || raw === null) {
    return
  }
  const fixed = FIXED_KEY_FIELDS.find((f) => f in raw)
  if (fixed !== undefined) {
    throw new GatewayError('validation_error', {
      message: `The ${fixed} of an API key cannot be changed with PUT; rotate the key instead (POST /v2/api-keys/{id}/rotate).`,
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

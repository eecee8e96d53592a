import type { Context, Hono } from 'hono'
import { userActor } from '../../audit/audit-log.js'
import type { Principal } from '../../auth/principal.js'
import type { Deps } from '../../deps.js'
import type { AppEnv } from '../../http/app-env.js'
import { GatewayError } from '../../http/gateway-error.js'
import { toPage } from '../../http/page.js'
import { parseInput, readJsonBody, readQuery } from '../../http/request-input.js'
import { countAllowlistsNaming } from '../../keys/key-repository.js'
import { requireAdmin } from '../../middleware/auth.js'
import {
  createModel,
  deleteModelById,
  type ModelPatch,
  updateModelById,
  type WriteOutcome,
} from '../../models/model-admin.js'
import { CreateModelBody, ListModelsQuery, UpdateModelBody } from '../../models/model-input.js'
import type { ModelTarget } from '../../models/model-registry.js'
import {
  type ModelJson,
  type ModelKeyAllowlists,
  toAdminModelJson,
  toUserModelJson,
} from '../../models/model-view.js'

/**
 * /v2/models. Reads show exactly the models the caller may use (registry.listFor: owner's access ∩ the
 * key's allowlist; admins may use every model), so a model one may not use is a 404 like an unknown one. Writes are
 * admin-only, act on any model by id, and are in force on this replica before the answer.
 */
export function registerModelRoutes(app: Hono<AppEnv>, deps: Deps): void {
  const show = (p: Principal, m: ModelTarget): ModelJson =>
    p.isAdmin
      ? toAdminModelJson(m, (url) => deps.upstreams.healthOf(url))
      : toUserModelJson(m, (url) => deps.upstreams.healthOf(url))

  app.get('/v2/models', (c) => {
    const principal = c.get('principal')
    const query = parseInput(ListModelsQuery, readQuery(c))
    const models = sortModels(
      filterModels(deps.models.listFor(principal), query.search),
      query.sort_by,
    )
    const start = (query.page - 1) * query.perPage
    const items = models.slice(start, start + query.perPage).map((m) => show(principal, m))
    return c.json(toPage(items, query, models.length))
  })

  app.get('/v2/models/:id', (c) => {
    const principal = c.get('principal')
    const model = deps.models.findById(parseId(c))
    if (model === undefined || deps.models.resolve(principal, model.name) === undefined) {
      throw new GatewayError('model_not_found')
    }
    return c.json(show(principal, model))
  })

  // What a rename would carry along (the UI warns with it): keys whose allowlist names the model.
  app.get('/v2/models/:id/key-allowlists', requireAdmin(), async (c) => {
    const model = deps.models.findById(parseId(c))
    if (model === undefined) {
      throw new GatewayError('model_not_found')
    }
    const count: ModelKeyAllowlists = {
      model: model.name,
      key_count: await countAllowlistsNaming(deps.database.db, model.name),
    }
    return c.json(count)
  })

  app.post('/v2/models', requireAdmin(), async (c) => {
    const body = parseInput(CreateModelBody, await readJsonBody(c))
    const outcome = await createModel(
      deps.database.db,
      {
        ...body,
        upstream_model_name: body.upstream_model_name ?? null,
        routes: body.routes ?? null,
      },
      actorOf(c),
    )
    const model = registered(deps, await settle(deps, outcome))
    return c.json(show(c.get('principal'), model), 201)
  })

  app.put('/v2/models/:id', requireAdmin(), async (c) => {
    const id = parseId(c)
    const patch: ModelPatch = parseInput(UpdateModelBody, await readJsonBody(c))
    const outcome = await updateModelById(deps.database.db, id, patch, actorOf(c))
    const model = registered(deps, await settle(deps, outcome))
    return c.json(show(c.get('principal'), model))
  })

  app.delete('/v2/models/:id', requireAdmin(), async (c) => {
    const outcome = await deleteModelById(deps.database.db, parseId(c), actorOf(c))
    await settle(deps, outcome)
    return c.body(null, 204)
  })
}

function parseId(c: Context<AppEnv>): number {
  const raw = c.req.param('id') ?? ''
  const id = /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(id)) {
    throw new GatewayError('model_not_found')
  }
  return id
}

function actorOf(c: Context<AppEnv>) {
  const p = c.get('principal')
  return userActor(p.userId, p.keyId)
}

/** Turns a refused write into its error; otherwise waits until this replica's registry shows the change. */
async function settle(deps: Deps, outcome: WriteOutcome): Promise<number> {
  if (!outcome.ok) {
    throw refusalError(outcome)
  }
  await deps.changes.catchUp()
  return outcome.id
}

function registered(deps: Deps, id: number): ModelTarget {
  const model = deps.models.findById(id)
  if (model === undefined) {
    throw new Error(`model ${id} missing from the registry after a committed write`)
  }
  return model
}

function refusalError(outcome: Extract<WriteOutcome, { ok: false }>): GatewayError {
  switch (outcome.reason) {
    case 'not_found':
      return new GatewayError('model_not_found')
    case 'file_managed':
      return new GatewayError('conflict', {
        message:
          'This model is managed by KEYGATE_MODELS_FILE and is read-only here; change the file and restart instead.',
      })
    case 'duplicate_name':
      return new GatewayError('conflict', {
        message: 'A model with this name already exists.',
        param: 'name',
      })
    case 'unknown_users':
      return new GatewayError('validation_error', {
        message: `allowed_user_ids: no user with id ${outcome.userIds.join(', ')}.`,
        param: 'allowed_user_ids',
      })
  }
}

function filterModels(models: readonly ModelTarget[], search: string): readonly ModelTarget[] {
  const needle = search.trim().toLowerCase()
  if (needle === '') {
    return models
  }
  return models.filter(
    (m) => m.name.toLowerCase().includes(needle) || m.description.toLowerCase().includes(needle),
  )
}

const SORT_KEYS = {
  name: (m: ModelTarget) => m.name,
  id: (m: ModelTarget) => m.id,
  created_at: (m: ModelTarget) => m.createdAt.getTime(),
  updated_at: (m: ModelTarget) => m.updatedAt.getTime(),
} as const

function sortModels(
  models: readonly ModelTarget[],
  sortBy: ListModelsQuery['sort_by'],
): ModelTarget[] {
  const descending = sortBy.startsWith('-')
  const key = SORT_KEYS[(descending ? sortBy.slice(1) : sortBy) as keyof typeof SORT_KEYS]
  const sign = descending ? -1 : 1
  return [...models].sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    return ka < kb ? -sign : ka > kb ? sign : a.id - b.id
  })
}

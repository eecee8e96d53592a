import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import type { AppEnv } from '../http/app-env.js'
import { modelNotFound } from '../models/model-not-found.js'
import type { ModelTarget } from '../models/model-registry.js'

/**
 * OpenAI's model object; `owned_by` is the gateway, whichever engine serves it. `routes` is ours (engines add
 * fields of their own too): the proxied routes this model serves, so a client can tell whether to use chat, the
 * Responses API or Anthropic's Messages.
 */
function toModelObject(m: ModelTarget) {
  return {
    id: m.name,
    object: 'model' as const,
    created: Math.floor(m.createdAt.getTime() / 1000),
    owned_by: 'keygate',
    routes: m.routes.list,
  }
}

/**
 * GET /v1/models and /v1/models/{model}, answered by the gateway from the registry: exactly the models this
 * key may call. Engines are never asked.
 */
export function registerModelList(app: Hono<AppEnv>, deps: Deps): void {
  app.get('/v1/models', (c) =>
    c.json({ object: 'list', data: deps.models.listFor(c.get('principal')).map(toModelObject) }),
  )
  // Names may contain slashes (org/model), sent raw or percent-encoded.
  app.get('/v1/models/:model{.+}', (c) => {
    const name = c.req.param('model')
    const model = deps.models.resolve(c.get('principal'), name)
    if (model === undefined) {
      throw modelNotFound(name)
    }
    return c.json(toModelObject(model))
  })
}

import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import type { AppEnv } from '../http/app-env.js'
import { registerModelList } from './models.js'

/**
 * The OpenAI-compatible surface under /v1 that Hono serves (auth and the inference scope are applied in app.ts):
 * the model list. The proxied routes are served beside Hono on node:http (proxy-routes.ts).
 */
export function registerInferenceRoutes(app: Hono<AppEnv>, deps: Deps): void {
  registerModelList(app, deps)
}

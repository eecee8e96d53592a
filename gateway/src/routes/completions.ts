import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import type { AppEnv } from '../http/app-env.js'
import { createProxyHandler } from '../upstream/proxy-handler.js'

/** POST /v1/completions: Legacy text completions, proxied to the model's engine. */
export function registerCompletions(app: Hono<AppEnv>, deps: Deps): void {
  app.post('/v1/completions', createProxyHandler(deps, { enginePath: '/v1/completions' }))
}

import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import type { AppEnv } from '../http/app-env.js'
import { createProxyHandler } from '../upstream/proxy-handler.js'

/** POST /v1/chat/completions: Chat completions (streaming and not), proxied to the model's engine. */
export function registerChatCompletions(app: Hono<AppEnv>, deps: Deps): void {
  app.post('/v1/chat/completions', createProxyHandler(deps, { enginePath: '/v1/chat/completions' }))
}

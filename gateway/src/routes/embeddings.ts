import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import type { AppEnv } from '../http/app-env.js'
import { createProxyHandler } from '../upstream/proxy-handler.js'

/** POST /v1/embeddings: Embeddings, proxied to the model's engine. */
export function registerEmbeddings(app: Hono<AppEnv>, deps: Deps): void {
  app.post('/v1/embeddings', createProxyHandler(deps, { enginePath: '/v1/embeddings' }))
}

import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import type { AppEnv } from '../http/app-env.js'
import { createProxyHandler } from '../upstream/proxy-handler.js'

/** POST /v1/rerank: Reranking (vLLM and llama.cpp both serve /v1/rerank), proxied to the model's engine. */
export function registerRerank(app: Hono<AppEnv>, deps: Deps): void {
  app.post('/v1/rerank', createProxyHandler(deps, { enginePath: '/v1/rerank' }))
}

import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import type { AppEnv } from '../http/app-env.js'
import { registerChatCompletions } from './chat-completions.js'
import { registerCompletions } from './completions.js'
import { registerEmbeddings } from './embeddings.js'
import { registerModelList } from './models.js'
import { registerRerank } from './rerank.js'

/**
 * The OpenAI-compatible surface under /v1 (auth and the inference scope are applied in app.ts). Only these
 * routes exist: engine control routes (/tokenize, /pause, /slots, /v1/load_lora_adapter, …) are never reachable.
 */
export function registerInferenceRoutes(app: Hono<AppEnv>, deps: Deps): void {
  registerChatCompletions(app, deps)
  registerCompletions(app, deps)
  registerEmbeddings(app, deps)
  registerRerank(app, deps)
  registerModelList(app, deps)
}

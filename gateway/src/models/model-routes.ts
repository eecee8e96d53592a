import type { Backend } from '../db/tables.js'

/**
 * The proxied routes a model can serve, and which of them each backend serves unless the model says otherwise.
 * A model's `routes` (admin-set, on /v2/models or in KEYGATE_MODELS_FILE) replaces its backend's list; null keeps
 * the backend's. A route the model does not serve is refused by the gateway before any engine is asked.
 */

export const MODEL_ROUTES = [
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/rerank',
  '/v1/responses',
  '/v1/messages',
  '/v1/messages/count_tokens',
  '/v1/audio/transcriptions',
  '/v1/audio/translations',
] as const

export type ModelRoute = (typeof MODEL_ROUTES)[number]

/**
 * What an engine started the usual way answers (docs/engines.md §1): vLLM registers each route its model's task
 * supports, so every route is allowed and vLLM refuses the rest itself; llama.cpp serves embeddings and rerank
 * only with `--embeddings`/`--reranking` (501 otherwise) and audio only with an audio model, so those are opt-in;
 * an `openai` server (OpenAI itself or another OpenAI-compatible one) has no Anthropic routes.
 */
const BACKEND_ROUTES: Record<Backend, readonly ModelRoute[]> = {
  vllm: MODEL_ROUTES,
  'llama.cpp': [
    '/v1/chat/completions',
    '/v1/completions',
    '/v1/responses',
    '/v1/messages',
    '/v1/messages/count_tokens',
  ],
  openai: [
    '/v1/chat/completions',
    '/v1/completions',
    '/v1/embeddings',
    '/v1/rerank',
    '/v1/responses',
    '/v1/audio/transcriptions',
    '/v1/audio/translations',
  ],
}

const KNOWN: ReadonlySet<string> = new Set(MODEL_ROUTES)

export function isModelRoute(value: string): value is ModelRoute {
  return KNOWN.has(value)
}

/** One bit per route, so the per-request check is an integer AND. */
export function routeBit(route: ModelRoute): number {
  return 1 << MODEL_ROUTES.indexOf(route)
}

export interface ServedRoutes {
  /** In MODEL_ROUTES order. */
  readonly list: readonly ModelRoute[]
  readonly bits: number
}

/** The routes a model serves: its own list when it has one, else its backend's. */
export function servedRoutes(backend: Backend, own: readonly string[] | null): ServedRoutes {
  const wanted: ReadonlySet<string> = new Set(own ?? BACKEND_ROUTES[backend])
  const list = MODEL_ROUTES.filter((r) => wanted.has(r))
  return { list, bits: list.reduce((bits, r) => bits | routeBit(r), 0) }
}

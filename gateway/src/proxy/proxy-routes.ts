import type { IncomingMessage, ServerResponse } from 'node:http'
import { ProxyExchange, type ProxyServices } from './proxy-exchange.js'

export interface ProxyRoute {
  /** The gateway's route, e.g. /v1/chat/completions (also the metric label). */
  readonly path: string
  /** The engine's route. */
  readonly enginePath: string
}

/**
 * The proxied OpenAI-compatible routes, POST only, matched exactly (a query string is ignored). Only these reach
 * an engine: engine control routes (/tokenize, /pause, /slots, /v1/load_lora_adapter, …) never do. They are
 * served on node:http directly (docs/architecture.md says why); everything else under /v1 is Hono's.
 */
const ROUTES: readonly ProxyRoute[] = [
  { path: '/v1/chat/completions', enginePath: '/v1/chat/completions' },
  { path: '/v1/completions', enginePath: '/v1/completions' },
  { path: '/v1/embeddings', enginePath: '/v1/embeddings' },
  // vLLM and llama.cpp both serve /v1/rerank.
  { path: '/v1/rerank', enginePath: '/v1/rerank' },
]

const BY_PATH: ReadonlyMap<string, ProxyRoute> = new Map(ROUTES.map((r) => [r.path, r]))

/** The proxied route a request line names, if any. */
export function proxyRouteFor(
  method: string | undefined,
  url: string | undefined,
): ProxyRoute | undefined {
  if (method !== 'POST' || url === undefined) {
    return undefined
  }
  const query = url.indexOf('?')
  return BY_PATH.get(query < 0 ? url : url.slice(0, query))
}

/** Serves one request to a proxied route on the Node request and response directly; never rejects. */
export type ProxyListener = (
  route: ProxyRoute,
  req: IncomingMessage,
  res: ServerResponse,
) => Promise<void>

export function createProxyListener(services: ProxyServices): ProxyListener {
  return (route, req, res) => new ProxyExchange(services, route, req, res).run()
}

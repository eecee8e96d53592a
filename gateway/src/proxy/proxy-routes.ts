import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ErrorDialect } from '../http/error-response.js'
import { type ModelRoute, routeBit } from '../models/model-routes.js'
import { ProxyExchange, type ProxyServices } from './proxy-exchange.js'
import { refuseStoredResponseState } from './responses-state.js'
import {
  readAnthropicUsage,
  readAudioUsage,
  readResponsesUsage,
  readUsage,
  type UsageReader,
} from './token-usage.js'

/**
 * How an engine streams on a route: `data`: OpenAI's `data:` frames ending in `[DONE]` (proxy/sse-scanner.ts);
 * `anthropic` and `responses`: `event:` + `data:` pairs without `[DONE]` (proxy/event-stream-observer.ts), whose
 * usage sits in different events.
 */
export type StreamKind = 'data' | 'anthropic' | 'responses'

/** Everything the exchange needs to know about a proxied route; it branches on these, never on paths. */
export interface ProxyRoute {
  /** The gateway's route, e.g. /v1/chat/completions: the metric label, and what a model's `routes` lists. */
  readonly path: ModelRoute
  /** The engine's route. */
  readonly enginePath: string
  /** routeBit(path): the per-request "does this model serve it" check is one AND. */
  readonly bit: number
  /** `multipart`: a form with a file, streamed to the engine as it arrives (proxy/multipart-upload.ts). */
  readonly body: 'json' | 'multipart'
  /** The envelope errors are written in. */
  readonly dialect: ErrorDialect
  readonly stream: StreamKind
  /** Reads a non-streaming answer's `usage`; null: the answer has no tokens to count (count_tokens). */
  readonly readUsage: UsageReader | null
  /** Streaming requests get `stream_options.include_usage` (and the usage frame is cut): chat and completions. */
  readonly injectsUsage: boolean
  /** Refuses a parsed JSON body the gateway cannot serve faithfully. */
  readonly checkBody: ((body: Record<string, unknown>) => void) | undefined
  /** The answer has a completion (chat, completions, Responses, Messages, audio): the limits reserve one for it. */
  readonly completes: boolean
}

type RouteSpec = Omit<ProxyRoute, 'bit' | 'enginePath' | 'checkBody' | 'completes'> & {
  readonly enginePath?: string
  readonly checkBody?: ProxyRoute['checkBody']
  readonly completes?: boolean
}

const OPENAI_JSON = {
  body: 'json',
  dialect: 'openai',
  stream: 'data',
  readUsage,
  injectsUsage: false,
} as const satisfies Partial<RouteSpec>

const SPECS: readonly RouteSpec[] = [
  { ...OPENAI_JSON, path: '/v1/chat/completions', injectsUsage: true },
  { ...OPENAI_JSON, path: '/v1/completions', injectsUsage: true },
  { ...OPENAI_JSON, path: '/v1/embeddings', completes: false },
  // vLLM and llama.cpp both serve /v1/rerank.
  { ...OPENAI_JSON, path: '/v1/rerank', completes: false },
  {
    ...OPENAI_JSON,
    path: '/v1/responses',
    stream: 'responses',
    readUsage: readResponsesUsage,
    checkBody: refuseStoredResponseState,
  },
  {
    ...OPENAI_JSON,
    path: '/v1/messages',
    dialect: 'anthropic',
    stream: 'anthropic',
    readUsage: readAnthropicUsage,
  },
  // A request with no completion: counted, its tokens are not (the message that follows counts them).
  {
    ...OPENAI_JSON,
    path: '/v1/messages/count_tokens',
    dialect: 'anthropic',
    readUsage: null,
    completes: false,
  },
  {
    ...OPENAI_JSON,
    path: '/v1/audio/transcriptions',
    body: 'multipart',
    readUsage: readAudioUsage,
  },
  { ...OPENAI_JSON, path: '/v1/audio/translations', body: 'multipart', readUsage: readAudioUsage },
]

/**
 * The proxied routes, POST only, matched exactly (a query string is ignored, and not forwarded). Only these reach
 * an engine: engine control routes (/tokenize, /pause, /slots, /v1/load_lora_adapter, …) never do. They are
 * served on node:http directly (docs/architecture.md says why); everything else under /v1 is Hono's.
 */
export const PROXY_ROUTES: readonly ProxyRoute[] = SPECS.map((s) => ({
  ...s,
  enginePath: s.enginePath ?? s.path,
  bit: routeBit(s.path),
  checkBody: s.checkBody,
  completes: s.completes ?? true,
}))

const BY_PATH: ReadonlyMap<string, ProxyRoute> = new Map(PROXY_ROUTES.map((r) => [r.path, r]))

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

import type { IncomingHttpHeaders } from 'node:http'

/**
 * Headers across the gateway. Toward the engine: the client's credentials and hop-by-hop headers
 * never pass, the instance's own key does. Back to the client: the engine's headers, minus hop-by-hop ones and
 * the few that are the gateway's business (CORS, cookies, request id).
 */

/** RFC 9110 §7.6.1 hop-by-hop headers, plus what undici or the gateway sets itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
  'http2-settings',
])

/** Client headers that never reach an engine. */
const CLIENT_ONLY = new Set([
  'authorization',
  'cookie',
  'x-api-key', // llama.cpp accepts a key here too (docs/engines.md §3)
  'x-request-id', // replaced by ours
  // The gateway must read the body it relays (usage, [DONE]): ask for it uncompressed.
  'accept-encoding',
])

/** Engine headers the client does not get: the gateway decides CORS, cookies and the request id. */
const ENGINE_ONLY = new Set(['set-cookie', 'x-request-id'])

const NO_TOKENS: ReadonlySet<string> = new Set()

/** Names a `Connection` header declares hop-by-hop (RFC 9110 §7.6.1). */
function connectionTokens(value: string | null | undefined): ReadonlySet<string> {
  // The usual values name no header that is not dropped anyway (keep-alive is hop-by-hop itself).
  if (value === undefined || value === null || value === 'keep-alive' || value === 'close') {
    return NO_TOKENS
  }
  const tokens = new Set<string>()
  for (const t of (value ?? '').split(',')) {
    const name = t.trim().toLowerCase()
    if (name !== '') {
      tokens.add(name)
    }
  }
  return tokens
}

export interface ForwardOptions {
  readonly requestId: string
  /** The instance's key for the engine, if it has one. */
  readonly engineApiKey: string | null
  /** Undefined: the body is streamed as it came, chunked (a multipart upload sent without a length). */
  readonly contentLength: number | undefined
  /** A JSON body (its type is made application/json); else the client's type (multipart, with its boundary). */
  readonly isJson: boolean
}

/**
 * The headers sent to the engine, from the client's as Node parsed them (`IncomingMessage.headers`: lowercase
 * names, repeats joined). Iterating the web Headers instead would build and sort a full copy per request.
 */
export function toEngineHeaders(
  client: IncomingHttpHeaders,
  options: ForwardOptions,
): Record<string, string> {
  const connection = client.connection
  const dropped = connectionTokens(typeof connection === 'string' ? connection : undefined)
  const out = copyHeaders(client, CLIENT_ONLY, dropped, 'proxy-')
  // The body was checked to be JSON; engines refuse other types (vLLM: 400/415), curl -d sends a form type.
  const type = out['content-type']
  if (
    options.isJson &&
    (type === undefined || !type.toLowerCase().startsWith('application/json'))
  ) {
    out['content-type'] = 'application/json'
  }
  if (options.contentLength !== undefined) {
    out['content-length'] = String(options.contentLength)
  }
  out['x-request-id'] = options.requestId
  if (options.engineApiKey !== null && options.engineApiKey !== '') {
    out.authorization = `Bearer ${options.engineApiKey}`
  }
  return out
}

export interface ClientHeaderOptions {
  readonly requestId: string
  /** The body is changed (a frame cut out): the engine's length no longer holds. */
  readonly bodyRewritten: boolean
}

/** The headers sent back to the client with the engine's successful answer. */
export function toClientHeaders(
  engine: IncomingHttpHeaders,
  options: ClientHeaderOptions,
): Record<string, string> {
  const dropped = connectionTokens(
    typeof engine.connection === 'string' ? engine.connection : undefined,
  )
  const out = copyHeaders(engine, ENGINE_ONLY, dropped, 'access-control-')
  const length = engine['content-length']
  if (!options.bodyRewritten && typeof length === 'string') {
    out['content-length'] = length
  }
  out['x-request-id'] = options.requestId
  return out
}

/**
 * Copies Node's parsed headers, joining repeated values, without hop-by-hop headers, those in `own` (the other
 * side's business), those the sender listed in Connection, and any name starting with `prefix`.
 */
function copyHeaders(
  from: IncomingHttpHeaders,
  own: ReadonlySet<string>,
  dropped: ReadonlySet<string>,
  prefix: string,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name in from) {
    const value = from[name]
    if (
      value === undefined ||
      HOP_BY_HOP.has(name) ||
      own.has(name) ||
      dropped.has(name) ||
      name.startsWith(prefix)
    ) {
      continue
    }
    out[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

import { errors as undiciErrors } from 'undici'
import { z } from 'zod'
import { GatewayError } from '../http/gateway-error.js'

/**
 * Rebuilds an engine's error answer (before any body byte reached the client) and transport failures into
 * our envelope. Engine 4xx keep their status; 401/403 (our own
 * upstream credentials) become 502; 5xx become 502 except 503/504, which pass through.
 */

/** Longest engine message we relay; longer ones are cut (they are usually dumps, not explanations). */
const MAX_MESSAGE_CHARS = 1_000

const engineCode = z.union([z.string(), z.number()]).nullish()
const ErrorObject = z.looseObject({
  message: z.string().optional(),
  type: z.string().optional(),
  param: z.string().nullish(),
  code: engineCode,
})
/** vLLM ≥0.10.1 and llama.cpp nest it; vLLM's auth middleware sends a bare string. */
const NestedError = z.looseObject({ error: z.union([ErrorObject, z.string()]) })
/** vLLM before 0.10.1: `{"object":"error","message","type","param","code"}`. */
const FlatError = z
  .looseObject({ object: z.literal('error'), message: z.string() })
  .and(ErrorObject)
/** FastAPI's own errors: `{"detail":"Not Found"}` or a list of pydantic issues. */
const FastApiError = z.looseObject({
  detail: z.union([z.string(), z.array(z.looseObject({ msg: z.string().optional() }))]),
})

interface EngineError {
  message: string | undefined
  type: string | undefined
  param: string | null
  code: string | number | null
}

/** Whatever the engine said, in one shape; undefined when the body is not a known error shape. */
export function readEngineError(body: string): EngineError | undefined {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return undefined
  }
  const nested = NestedError.safeParse(json)
  if (nested.success) {
    const e = nested.data.error
    if (typeof e === 'string') {
      return { message: e, type: undefined, param: null, code: null }
    }
    return { message: e.message, type: e.type, param: e.param ?? null, code: e.code ?? null }
  }
  const flat = FlatError.safeParse(json)
  if (flat.success) {
    const e = flat.data
    return { message: e.message, type: e.type, param: e.param ?? null, code: e.code ?? null }
  }
  const fastapi = FastApiError.safeParse(json)
  if (fastapi.success) {
    const d = fastapi.data.detail
    const message =
      typeof d === 'string'
        ? d
        : d
            .map((issue) => issue.msg ?? '')
            .filter(Boolean)
            .join('; ')
    return {
      message: message === '' ? undefined : message,
      type: undefined,
      param: null,
      code: null,
    }
  }
  return undefined
}

/** A message that is plain enough to show a client: one line, bounded. */
function safeMessage(message: string | undefined): string | undefined {
  if (message === undefined) {
    return undefined
  }
  const line = message.replace(/\s+/g, ' ').trim()
  if (line === '') {
    return undefined
  }
  return line.length > MAX_MESSAGE_CHARS ? `${line.slice(0, MAX_MESSAGE_CHARS)}…` : line
}

const CONTEXT_TOO_LONG = /maximum context length|exceeds the available context size/i

/** OpenAI's string codes for the engine errors a client can act on; otherwise the engine's string code or null. */
function openAiCode(status: number, e: EngineError): string | null {
  if (
    e.type === 'exceed_context_size_error' ||
    (status === 400 && CONTEXT_TOO_LONG.test(e.message ?? ''))
  ) {
    return 'context_length_exceeded'
  }
  if (status === 404 && (e.type === 'NotFoundError' || e.param === 'model')) {
    return 'model_not_found'
  }
  return typeof e.code === 'string' && e.code !== '' ? e.code : null
}

/** OpenAI's type for a 4xx: engines use their own names (BadRequestError, exceed_context_size_error, …). */
function openAiType(status: number): string {
  return status === 429 ? 'requests' : 'invalid_request_error'
}

/** Parses Retry-After seconds (the engine's, if it gave a plain number). */
function retryAfterOf(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,6}$/.test(header.trim())) {
    return undefined
  }
  return Number(header.trim())
}

export interface EngineErrorResponse {
  status: number
  /** The body as text; callers read at most a bounded prefix. */
  body: string
  retryAfter?: string | undefined
}

/** The GatewayError to throw for an engine's non-2xx answer. */
export function fromEngineResponse(r: EngineErrorResponse): GatewayError {
  const parsed = readEngineError(r.body)
  const e = parsed ?? { message: undefined, type: undefined, param: null, code: null }
  const message = parsed === undefined ? undefined : safeMessage(e.message)
  if (r.status === 401 || r.status === 403) {
    // The engine refused the gateway's own credential: a misconfiguration the client cannot fix. Its text
    // ("Unauthorized", "Invalid API Key") would read as if the client's key were wrong, so it never leaks.
    return new GatewayError('upstream_error', {
      message: `The model server refused the gateway's credentials (HTTP ${r.status}); tell the operator.`,
    })
  }
  if (r.status >= 400 && r.status < 500) {
    return GatewayError.upstreamRejected({
      status: r.status,
      type: openAiType(r.status),
      code: openAiCode(r.status, e),
      message: message ?? `The model server rejected the request (HTTP ${r.status}).`,
      param: e.param,
    })
  }
  if (r.status === 503) {
    return new GatewayError('upstream_unavailable', {
      ...(message === undefined ? {} : { message: `The model server is unavailable: ${message}` }),
      retryAfterSeconds: retryAfterOf(r.retryAfter) ?? 1,
    })
  }
  if (r.status === 504) {
    return new GatewayError('upstream_timeout', {
      ...(message === undefined ? {} : { message: `The model server timed out: ${message}` }),
    })
  }
  // GPUStack users complain that errors hide the engine's reason; keep it when the engine gave one.
  return new GatewayError('upstream_error', {
    message:
      message === undefined
        ? `The model server failed to answer (HTTP ${r.status}).`
        : `The model server failed (HTTP ${r.status}): ${message}`,
  })
}

function isTimeout(err: unknown): 'headers' | 'body' | undefined {
  if (err instanceof undiciErrors.HeadersTimeoutError) {
    return 'headers'
  }
  if (err instanceof undiciErrors.BodyTimeoutError) {
    return 'body'
  }
  return undefined
}

/** A transport failure (connect refused, reset, timeout) as the error the client sees. */
export function fromTransportError(err: unknown, timeouts: { headersMs: number; idleMs: number }) {
  const timeout = isTimeout(err)
  if (timeout === 'headers') {
    return new GatewayError('upstream_timeout', {
      message: `The model server did not start answering within ${timeouts.headersMs} ms.`,
      cause: err,
    })
  }
  if (timeout === 'body') {
    return new GatewayError('upstream_timeout', {
      message: `The model server sent nothing for ${timeouts.idleMs} ms.`,
      cause: err,
    })
  }
  return new GatewayError('upstream_error', {
    message: 'The model server could not be reached or closed the connection.',
    cause: err,
  })
}

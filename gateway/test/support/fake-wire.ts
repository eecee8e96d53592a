import { randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'

/**
 * Framing and headers shared by the fake engines' APIs, as vLLM and llama.cpp write them (docs/engines.md; the
 * llama.cpp captures in gateway/test/fixtures/llamacpp/).
 */

export type EngineFlavour = 'vllm' | 'llamacpp'

export const CREATED = 1732690000
/** The prompt token count every fake answer reports. */
export const FAKE_PROMPT_TOKENS = 12
/** Of those, how many llama.cpp reports as read from its prompt cache (it reports them apart on some APIs). */
export const FAKE_CACHED_TOKENS = 8
export const DEFAULT_TOKENS = ['Hello', ',', ' world', '!']
/** llama.cpp's build tag in system_fingerprint. */
export const LLAMA_FINGERPRINT = 'b7234-abcdef0'

/** What one answer is made from. */
export interface WireRequest {
  readonly flavour: EngineFlavour
  readonly json: Record<string, unknown>
  readonly headers: IncomingHttpHeaders
  /** The tokens to answer with, already cut to the request's token limit. */
  readonly tokens: readonly string[]
  /** Whether the limit cut them (finish_reason length / stop_reason max_tokens). */
  readonly truncated: boolean
}

/** A streamed answer: its frames, what ends it, and the engine's own error frame for a failure after `n` frames. */
export interface StreamPlan {
  readonly frames: readonly string[]
  /** Written after the last frame: `data: [DONE]\n\n` on the OpenAI routes, nothing on the event routes. */
  readonly end: string
  /** The engine's error frame mid-stream, and whatever it sends after it before closing. */
  errorFrame(message: string): string
}

/** `data: <json>\n\n`; vLLM builds its error frames with json.dumps, hence `pretty` (spaces after : and ,). */
export function dataFrame(obj: unknown, pretty = false): string {
  const json = JSON.stringify(obj)
  return `data: ${pretty ? json.replace(/([:,])(?=["{[\dnt])/g, '$1 ') : json}\n\n`
}

/** `event: <name>\ndata: <json>\n\n`, as both engines frame the Messages and Responses streams. */
export function eventFrame(event: string, obj: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(obj)}\n\n`
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** llama.cpp's ids: a prefix and 32 random letters and digits. */
export function llamaId(prefix: string): string {
  return `${prefix}${[...randomBytes(32)].map((b) => ALNUM[b % ALNUM.length]).join('')}`
}

export function modelOf(json: Record<string, unknown>): string {
  return typeof json.model === 'string' ? json.model : 'fake-model'
}

/** Every llama.cpp answer starts with these: its name, and CORS echoing the request's Origin (empty without). */
function llamaBase(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin
  return {
    Server: 'llama.cpp',
    'Access-Control-Allow-Origin': typeof origin === 'string' ? origin : '',
  }
}

export function sseHeaders(flavour: EngineFlavour, req: IncomingMessage): Record<string, string> {
  if (flavour === 'vllm') {
    return { 'content-type': 'text/event-stream; charset=utf-8' }
  }
  return { ...llamaBase(req), 'X-Accel-Buffering': 'no', 'Content-Type': 'text/event-stream' }
}

/**
 * A whole JSON answer. llama.cpp closes the connection after an error answer (`Connection: close`) and keeps it
 * after a success; vLLM (uvicorn) keeps it either way.
 */
export function sendJson(
  flavour: EngineFlavour,
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string,
  contentType?: string,
): void {
  const length = String(Buffer.byteLength(body))
  if (flavour === 'vllm') {
    res.writeHead(status, {
      'content-type': contentType ?? 'application/json',
      'content-length': length,
    })
  } else {
    res.writeHead(status, {
      ...llamaBase(req),
      'Content-Type': contentType ?? 'application/json; charset=utf-8',
      'Content-Length': length,
      ...(status >= 400 ? { Connection: 'close' } : {}),
    })
  }
  res.end(body)
}

/** llama.cpp's error object (`code` is the HTTP status), as a whole answer body. */
export function llamaError(status: number, message: string, type: string): string {
  return JSON.stringify({ error: { code: status, message, type } })
}

/** llama.cpp's `timings` on the last frame of an answer. */
export function llamaTimings(w: WireRequest) {
  return {
    cache_n: FAKE_CACHED_TOKENS,
    prompt_n: FAKE_PROMPT_TOKENS - FAKE_CACHED_TOKENS,
    prompt_ms: 0.744,
    prompt_per_token_ms: 0.186,
    prompt_per_second: 5376.344086021505,
    predicted_n: w.tokens.length,
    predicted_ms: 0.587,
    predicted_per_token_ms: 0.14675,
    predicted_per_second: 6814.310051107325,
  }
}

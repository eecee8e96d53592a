import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { countTokensAnswer, messagesAnswer, messagesStream } from './fake-anthropic-wire.js'
import { audioAnswer, audioJson, audioStream, parseAudioForm } from './fake-audio-wire.js'
import { llamaModels, llamaParseError, llamaRefusal } from './fake-llama-refusals.js'
import { openAiAnswer, openAiStream } from './fake-openai-wire.js'
import { responsesAnswer, responsesStream } from './fake-responses-wire.js'
import {
  DEFAULT_TOKENS,
  type EngineFlavour,
  llamaError,
  type StreamPlan,
  sendJson,
  sseHeaders,
  type WireRequest,
} from './fake-wire.js'

export { DEFAULT_TOKENS, type EngineFlavour, FAKE_PROMPT_TOKENS } from './fake-wire.js'

/**
 * A fake inference engine: a real node:http server on 127.0.0.1:0 that answers like vLLM or llama.cpp's
 * llama-server, byte for byte where the gateway depends on it (SSE framing, content types, error shapes, health;
 * docs/engines.md, and for llama.cpp the captures in gateway/test/fixtures/llamacpp/, which
 * fake-engine-fidelity.int.test.ts holds it to). It serves the OpenAI routes, Anthropic's Messages and
 * count_tokens, the Responses API and (vLLM) the audio routes. Every request is recorded, including whether
 * its client closed the connection before the answer was complete.
 */

export type Behaviour =
  /** Answers at once: frames written back to back (`ping`: a `: ping` comment line before each frame). */
  | { kind: 'normal'; tokens?: string[]; ping?: boolean; padBytes?: number }
  /** Streams with `gapMs` between frames (non-streaming: waits `gapMs` per token before answering). */
  | { kind: 'slow'; gapMs: number; tokens?: string[]; ping?: boolean }
  /** Sends the status, headers and `afterFrames` frames (vLLM flushes headers first), then nothing, forever. */
  | { kind: 'stalled'; afterFrames?: number }
  /** Never sends the status line (a request stuck in the queue, or llama.cpp's late headers). */
  | { kind: 'no_headers' }
  /** The engine's own error frame after `afterFrames` frames (vLLM then sends [DONE]; llama.cpp just closes). */
  | { kind: 'error_mid_stream'; afterFrames?: number; message?: string; tokens?: string[] }
  /** Destroys the socket after `afterFrames` frames. */
  | { kind: 'destroy_mid_stream'; afterFrames?: number; padBytes?: number }
  /** Destroys the socket as soon as the request arrived: a reset before any response byte (a crash). */
  | { kind: 'reset' }
  /** An error answer before any stream: any status and raw body. */
  | {
      kind: 'status'
      status: number
      body: string
      contentType?: string
      headers?: Record<string, string>
    }

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  /** The raw request body bytes. */
  readonly body: Buffer
  /** True when the client closed the connection before the response was complete. */
  clientClosed: boolean
  /** True when the response was written to its end. */
  completed: boolean
  /** The response body bytes written so far, in the pieces written (to check a relay byte for byte). */
  readonly sent: Buffer[]
}

export type Script = Behaviour | ((request: RecordedRequest) => Behaviour)

export interface FakeEngineOptions {
  flavour: EngineFlavour
  /** The engine demands this bearer key (vLLM: `--api-key`; llama.cpp: `--api-key`, Bearer or X-Api-Key). */
  apiKey?: string
  script?: Script
  /** llama.cpp only: answer 503 "Loading model" to everything but the models routes. */
  loading?: boolean
  /** llama.cpp only: started with `--embeddings` (else /v1/embeddings answers 501, as llama.cpp does). */
  embeddings?: boolean
  /** Listen address (any 127.x.y.z works on Linux, to play several pods behind one name); 127.0.0.1 by default. */
  host?: string
  /** Listen port (e.g. to restart an engine where it was); a free one by default. */
  port?: number
}

export interface FakeEngine {
  readonly url: string
  readonly port: number
  /** Inference requests only (POSTs), in order, without the health probes. */
  inferenceRequests(): RecordedRequest[]
  readonly flavour: EngineFlavour
  /** Every request received, in order (health checks included). */
  readonly requests: RecordedRequest[]
  /** Request body bytes received so far, counted as they arrive (before a request is complete). */
  receivedBytes(): number
  setScript(script: Script): void
  setLoading(loading: boolean): void
  close(): Promise<void>
}

/** Preset error answers, as each engine writes them (docs/engines.md §3, §4). */
export const ENGINE_ERRORS = {
  vllmContextTooLong: {
    kind: 'status',
    status: 400,
    body: '{"error":{"message":"This model\'s maximum context length is 8192 tokens. However, your request has 9001 input tokens. Please reduce the length of the input messages.","type":"BadRequestError","param":"input_tokens","code":400}}',
  },
  vllmNotFound: {
    kind: 'status',
    status: 404,
    body: '{"error":{"message":"The model `gpt-4o` does not exist.","type":"NotFoundError","param":"model","code":404}}',
  },
  vllmOldFlat: {
    kind: 'status',
    status: 400,
    body: '{"object":"error","message":"temperature must be non-negative","type":"BadRequestError","param":null,"code":400}',
  },
  vllmUnauthorized: { kind: 'status', status: 401, body: '{"error":"Unauthorized"}' },
  vllmInternal: {
    kind: 'status',
    status: 500,
    body: '{"error":{"message":"EngineCore encountered an issue.","type":"InternalServerError","param":null,"code":500}}',
  },
  vllmQueueFull: {
    kind: 'status',
    status: 503,
    body: '{"error":{"message":"The server is overloaded: too many queued requests.","type":"ServiceUnavailableError","param":null,"code":503}}',
  },
  /** vLLM's Messages routes wrap its errors in Anthropic's envelope (vllm/entrypoints/anthropic/api_router.py). */
  vllmAnthropicBadRequest: {
    kind: 'status',
    status: 400,
    body: '{"type":"error","error":{"type":"BadRequestError","message":"max_tokens must be at least 1, got 0."}}',
  },
  fastApiNotFound: { kind: 'status', status: 404, body: '{"detail":"Not Found"}' },
  llamaContextTooLong: {
    kind: 'status',
    status: 400,
    body: '{"error":{"code":400,"message":"request (9001 tokens) exceeds the available context size (8192 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":9001,"n_ctx":8192}}',
  },
  llamaUnauthorized: {
    kind: 'status',
    status: 401,
    body: '{"error":{"message":"Invalid API Key","type":"authentication_error","code":401}}',
  },
  llamaLoading: {
    kind: 'status',
    status: 503,
    body: '{"error":{"message":"Loading model","type":"unavailable_error","code":503}}',
  },
  llamaServerError: {
    kind: 'status',
    status: 500,
    body: '{"error":{"code":500,"message":"audio input is not supported","type":"server_error"}}',
  },
  notJson: {
    kind: 'status',
    status: 502,
    body: '<html>Bad Gateway</html>',
    contentType: 'text/html',
  },
} as const satisfies Record<string, Behaviour>

const OPENAI_PATHS = new Set([
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/rerank',
])
const AUDIO_PATHS = new Set(['/v1/audio/transcriptions', '/v1/audio/translations'])
const STREAMING_PATHS = new Set([
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/messages',
  '/v1/responses',
  ...AUDIO_PATHS,
])

/** Which routes each engine serves (docs/engines.md §1); llama.cpp's audio route needs an audio model. */
function serves(flavour: EngineFlavour, path: string): boolean {
  const shared =
    OPENAI_PATHS.has(path) || path.startsWith('/v1/messages') || path === '/v1/responses'
  return flavour === 'vllm' ? shared || AUDIO_PATHS.has(path) : shared
}

interface Ctx {
  readonly wire: WireRequest
  readonly path: string
  readonly rec: RecordedRequest
  readonly req: IncomingMessage
  readonly res: ServerResponse
  closed(): boolean
  /** Marks the socket as destroyed by us, so it does not count as the client closing. */
  destroying(): void
}

/** Keeps a copy of every body piece `res` writes. */
function recordWrites(res: ServerResponse, into: Buffer[]): void {
  const keep = (chunk: unknown) => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) {
      into.push(Buffer.from(chunk))
    }
  }
  const write = res.write.bind(res) as (...args: unknown[]) => boolean
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk)
    return write(chunk, ...rest)
  }) as ServerResponse['write']
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'function') {
      keep(chunk)
    }
    return end(chunk, ...rest)
  }) as ServerResponse['end']
}

/** Resolves once the bytes are handed to the socket (so a destroy afterwards does not discard them). */
function write(res: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => {
    res.write(text, () => resolve())
  })
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function planFor(w: WireRequest, path: string): StreamPlan {
  if (path === '/v1/messages') {
    return messagesStream(w)
  }
  if (path === '/v1/responses') {
    return responsesStream(w)
  }
  return AUDIO_PATHS.has(path) ? audioStream(w, path) : openAiStream(w, path)
}

function answerFor(w: WireRequest, path: string): unknown {
  switch (path) {
    case '/v1/messages':
      return messagesAnswer(w)
    case '/v1/messages/count_tokens':
      return countTokensAnswer(w)
    case '/v1/responses':
      return responsesAnswer(w)
    default:
      return AUDIO_PATHS.has(path) ? audioAnswer(w) : openAiAnswer(w, path)
  }
}

async function stream(ctx: Ctx, behaviour: Behaviour): Promise<void> {
  const { res, wire } = ctx
  const plan = planFor(wire, ctx.path)
  res.writeHead(200, sseHeaders(wire.flavour, ctx.req))
  if (wire.flavour === 'vllm') {
    res.flushHeaders() // vLLM sends the 200 before the first token; llama.cpp sends it with the first frame
  }
  const { frames } = plan
  const stopAt =
    behaviour.kind === 'stalled' ||
    behaviour.kind === 'error_mid_stream' ||
    behaviour.kind === 'destroy_mid_stream'
      ? (behaviour.afterFrames ?? 2)
      : frames.length
  for (let i = 0; i < Math.min(stopAt, frames.length); i++) {
    if (ctx.closed()) {
      return
    }
    if (i > 0 && behaviour.kind === 'slow') {
      await delay(behaviour.gapMs)
      if (ctx.closed()) {
        return
      }
    }
    if ((behaviour.kind === 'normal' || behaviour.kind === 'slow') && behaviour.ping === true) {
      await write(res, ': ping\n\n')
    }
    await write(res, frames[i] ?? '')
  }
  switch (behaviour.kind) {
    case 'stalled':
      return // the client or its idle timeout ends this
    case 'destroy_mid_stream':
      ctx.destroying()
      res.socket?.destroy()
      return
    case 'error_mid_stream':
      res.end(plan.errorFrame(behaviour.message ?? 'EngineCore encountered an issue.'))
      return
    default:
      res.end(plan.end === '' ? undefined : plan.end)
  }
}

async function answerJson(ctx: Ctx, behaviour: Behaviour): Promise<void> {
  if (behaviour.kind === 'slow') {
    await delay(behaviour.gapMs * ctx.wire.tokens.length)
  }
  if (behaviour.kind === 'stalled' || ctx.closed()) {
    return
  }
  const answer = answerFor(ctx.wire, ctx.path)
  // A large answer (think embeddings of a long batch), with usage still at the end as engines send it.
  const padded =
    (behaviour.kind === 'normal' || behaviour.kind === 'destroy_mid_stream') &&
    behaviour.padBytes !== undefined
      ? { pad: 'x'.repeat(behaviour.padBytes), ...(answer as Record<string, unknown>) }
      : answer
  const body = JSON.stringify(padded)
  if (behaviour.kind !== 'destroy_mid_stream') {
    sendJson(ctx.wire.flavour, ctx.req, ctx.res, 200, body)
    return
  }
  // The engine dies after its headers and half of the body (given time to reach the gateway first: undici drops
  // received-but-unread data when the socket errors).
  ctx.res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  })
  ctx.res.write(body.slice(0, body.length >> 1))
  await delay(100)
  ctx.destroying()
  ctx.res.socket?.destroy()
}

function isAuthorized(options: FakeEngineOptions, req: IncomingMessage): boolean {
  if (options.apiKey === undefined) {
    return true
  }
  const bearer = req.headers.authorization === `Bearer ${options.apiKey}`
  return options.flavour === 'llamacpp'
    ? bearer || req.headers['x-api-key'] === options.apiKey
    : bearer
}

export async function startFakeEngine(options: FakeEngineOptions): Promise<FakeEngine> {
  const requests: RecordedRequest[] = []
  let script: Script = options.script ?? { kind: 'normal' }
  let loading = options.loading ?? false
  let received = 0
  const flavour = options.flavour
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => {
      received += c.byteLength
      chunks.push(c)
    })
    req.on('end', () => {
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0] ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
        clientClosed: false,
        completed: false,
        sent: [],
      }
      requests.push(rec)
      recordWrites(res, rec.sent)
      let destroyedByUs = false
      res.on('finish', () => {
        rec.completed = true
      })
      res.on('close', () => {
        if (!res.writableFinished && !destroyedByUs) {
          rec.clientClosed = true
        }
      })
      const ctx = (wire: WireRequest): Ctx => ({
        wire,
        path: rec.path,
        rec,
        req,
        res,
        closed: () => res.destroyed || rec.clientClosed,
        destroying: () => {
          destroyedByUs = true
        },
      })
      void handle(rec, req, res, ctx).catch(() => res.destroy())
    })
  })
  if (flavour === 'llamacpp') {
    // httplib's answers carry no Date and end a keep-alive connection after 100 requests (`max=100`).
    server.on('request', (_req, res: ServerResponse) => {
      res.sendDate = false
    })
    server.maxRequestsPerSocket = 100
  }

  async function handle(
    rec: RecordedRequest,
    req: IncomingMessage,
    res: ServerResponse,
    ctx: (wire: WireRequest) => Ctx,
  ) {
    const { method, path } = rec
    if (path === '/health' || (flavour === 'llamacpp' && path === '/v1/health')) {
      answerHealth(req, res)
      return
    }
    if (flavour === 'llamacpp' && path === '/v1/models' && method === 'GET') {
      sendJson(flavour, req, res, 200, llamaModels())
      return
    }
    if (flavour === 'llamacpp' && loading) {
      sendJson(flavour, req, res, 503, ENGINE_ERRORS.llamaLoading.body)
      return
    }
    if (!isAuthorized(options, req)) {
      const e =
        flavour === 'vllm' ? ENGINE_ERRORS.vllmUnauthorized : ENGINE_ERRORS.llamaUnauthorized
      sendJson(flavour, req, res, 401, e.body)
      return
    }
    if (method !== 'POST' || !serves(flavour, path)) {
      notFound(req, res)
      return
    }
    const behaviour = typeof script === 'function' ? script(rec) : script
    if (behaviour.kind === 'status') {
      for (const [name, value] of Object.entries(behaviour.headers ?? {})) {
        res.setHeader(name, value)
      }
      sendJson(flavour, req, res, behaviour.status, behaviour.body, behaviour.contentType)
      return
    }
    if (behaviour.kind === 'no_headers') {
      return
    }
    if (behaviour.kind === 'reset') {
      res.socket?.destroy()
      return
    }
    const json = await readBody(rec, req, res)
    if (json === undefined) {
      return
    }
    const wire = wireRequest(flavour, json, rec.headers, behaviour)
    const streaming = json.stream === true && STREAMING_PATHS.has(path)
    await (streaming ? stream(ctx(wire), behaviour) : answerJson(ctx(wire), behaviour))
  }

  /** The request as JSON (an audio form's fields), or undefined once the engine's own 4xx/5xx is sent. */
  async function readBody(
    rec: RecordedRequest,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<Record<string, unknown> | undefined> {
    if (AUDIO_PATHS.has(rec.path)) {
      const form = await parseAudioForm(String(rec.headers['content-type']), rec.body)
      if (form.files.length === 0) {
        sendJson(flavour, req, res, 400, VLLM_NO_FILE)
        return undefined
      }
      return audioJson(form)
    }
    const text = rec.body.toString('utf8')
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      const body =
        flavour === 'vllm'
          ? '{"error":{"message":"bad json","type":"BadRequestError","param":null,"code":400}}'
          : llamaError(500, llamaParseError(text), 'server_error')
      sendJson(flavour, req, res, flavour === 'vllm' ? 400 : 500, body)
      return undefined
    }
    const refusal =
      flavour === 'llamacpp' ? llamaRefusal(rec.path, json, options.embeddings === true) : undefined
    if (refusal !== undefined) {
      sendJson(flavour, req, res, refusal.status, refusal.body)
      return undefined
    }
    return json as Record<string, unknown>
  }

  function answerHealth(req: IncomingMessage, res: ServerResponse): void {
    if (flavour === 'vllm') {
      res.writeHead(200, { 'content-length': '0' })
      res.end()
      return
    }
    if (loading) {
      sendJson(flavour, req, res, 503, ENGINE_ERRORS.llamaLoading.body)
      return
    }
    sendJson(flavour, req, res, 200, '{"status":"ok"}')
  }

  function notFound(req: IncomingMessage, res: ServerResponse): void {
    sendJson(
      flavour,
      req,
      res,
      404,
      flavour === 'vllm'
        ? '{"detail":"Not Found"}'
        : '{"error":{"message":"File Not Found","type":"not_found_error","code":404}}',
    )
  }

  // Engines close idle keep-alive connections after ~5 s (docs/engines.md §5).
  server.keepAliveTimeout = 5_000
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${host}:${port}`,
    port,
    inferenceRequests: () => requests.filter((r) => r.method === 'POST'),
    flavour,
    requests,
    receivedBytes: () => received,
    setScript: (s) => {
      script = s
    },
    setLoading: (l) => {
      loading = l
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const VLLM_NO_FILE =
  '{"error":{"message":"Field required: file","type":"Bad Request","param":"body.file","code":400}}'

/** The token limit each API names, and the tokens an answer gets under it. */
function wireRequest(
  flavour: EngineFlavour,
  json: Record<string, unknown>,
  headers: IncomingHttpHeaders,
  behaviour: Behaviour,
): WireRequest {
  const all = 'tokens' in behaviour && behaviour.tokens ? behaviour.tokens : DEFAULT_TOKENS
  const limit = [json.max_tokens, json.max_output_tokens, json.max_completion_tokens].find(
    (v): v is number => typeof v === 'number',
  )
  const tokens = limit !== undefined && limit < all.length ? all.slice(0, limit) : all
  return {
    flavour,
    json,
    headers,
    tokens,
    truncated: tokens.length < all.length,
  }
}

/** Polls `check` until it is true (no fixed sleeps in tests); throws after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`)
    }
    await delay(5)
  }
}

import { randomBytes, randomUUID } from 'node:crypto'
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A fake inference engine: a real node:http server on 127.0.0.1:0 that answers like vLLM or llama.cpp's
 * llama-server, byte for byte where the gateway depends on it (SSE framing, content types, error shapes, health;
 * docs/engines.md). Every request is recorded, including whether its client closed the connection
 * before the answer was complete. Used by the integration tests and the benchmarks.
 */

export type EngineFlavour = 'vllm' | 'llamacpp'

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
  | { kind: 'error_mid_stream'; afterFrames?: number; message?: string }
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
}

export type Script = Behaviour | ((request: RecordedRequest) => Behaviour)

export interface FakeEngineOptions {
  flavour: EngineFlavour
  /** The engine demands this bearer key (vLLM: `--api-key`; llama.cpp: `--api-key`, Bearer or X-Api-Key). */
  apiKey?: string
  script?: Script
  /** llama.cpp only: answer 503 "Loading model" to everything but the models routes. */
  loading?: boolean
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

export const DEFAULT_TOKENS = ['Hello', ',', ' world', '!']
/** The prompt token count every fake answer reports. */
export const FAKE_PROMPT_TOKENS = 12

const INFERENCE_PATHS = new Set([
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/rerank',
])

interface Ctx {
  flavour: EngineFlavour
  rec: RecordedRequest
  json: Record<string, unknown>
  res: ServerResponse
  closed: () => boolean
  /** Marks the socket as destroyed by us, so it does not count as the client closing. */
  destroying: () => void
}

function frame(obj: unknown, pretty = false): string {
  // vLLM builds its error frame with json.dumps (spaces); everything else is compact.
  return `data: ${pretty ? JSON.stringify(obj).replace(/([:,])(?=["{[\dnt])/g, '$1 ') : JSON.stringify(obj)}\n\n`
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

function wantsUsage(flavour: EngineFlavour, json: Record<string, unknown>): boolean {
  const so = json.stream_options
  if (typeof so !== 'object' || so === null) {
    return false
  }
  const include = (so as Record<string, unknown>).include_usage
  // vLLM's StreamOptions.include_usage defaults to True; llama.cpp's to false (docs/engines.md §2).
  return flavour === 'vllm' ? include === undefined || include === true : include === true
}

/** The SSE frames of one streamed answer, before [DONE]. */
function streamFrames(ctx: Ctx, path: string, tokens: readonly string[]): string[] {
  const { flavour, json } = ctx
  const created = 1732690000
  const model = typeof json.model === 'string' ? json.model : 'fake-model'
  const isChat = path === '/v1/chat/completions'
  const usage = {
    prompt_tokens: FAKE_PROMPT_TOKENS,
    total_tokens: FAKE_PROMPT_TOKENS + tokens.length,
    completion_tokens: tokens.length,
  }
  const frames: string[] = []
  if (flavour === 'vllm') {
    const rid = ctx.rec.headers['x-request-id']
    const id = `${isChat ? 'chatcmpl' : 'cmpl'}-${typeof rid === 'string' ? rid : randomUUID()}`
    const head = {
      id,
      object: isChat ? 'chat.completion.chunk' : 'text_completion',
      created,
      model,
    }
    const choice = (delta: Record<string, unknown>, text: string, finish: string | null) =>
      isChat
        ? {
            index: 0,
            delta,
            logprobs: null,
            finish_reason: finish,
            ...(finish ? { stop_reason: null } : {}),
          }
        : { index: 0, text, logprobs: null, finish_reason: finish, stop_reason: null }
    if (isChat) {
      frames.push(
        frame({ ...head, choices: [choice({ role: 'assistant', content: '' }, '', null)] }),
      )
    }
    tokens.forEach((t, i) => {
      const last = i === tokens.length - 1
      frames.push(frame({ ...head, choices: [choice({ content: t }, t, last ? 'stop' : null)] }))
    })
    if (wantsUsage(flavour, json)) {
      frames.push(frame({ ...head, choices: [], usage }))
    }
    return frames
  }
  const id = `chatcmpl-${randomBytes(16).toString('hex')}`
  const tail = {
    created,
    id,
    model,
    system_fingerprint: 'b7234-abcdef0',
    object: isChat ? 'chat.completion.chunk' : 'text_completion',
  }
  const choice = (delta: Record<string, unknown>, text: string, finish: string | null) =>
    isChat
      ? { finish_reason: finish, index: 0, delta }
      : { text, index: 0, logprobs: null, finish_reason: finish }
  if (isChat) {
    frames.push(
      frame({ choices: [choice({ role: 'assistant', content: null }, '', null)], ...tail }),
    )
  }
  for (const t of tokens) {
    frames.push(frame({ choices: [choice({ content: t }, t, null)], ...tail }))
  }
  frames.push(frame({ choices: [choice({}, '', 'stop')], ...tail }))
  if (wantsUsage(flavour, json)) {
    frames.push(
      frame({
        choices: [],
        ...tail,
        usage: {
          completion_tokens: usage.completion_tokens,
          prompt_tokens: usage.prompt_tokens,
          total_tokens: usage.total_tokens,
        },
        timings: {
          cache_n: 0,
          prompt_n: FAKE_PROMPT_TOKENS,
          prompt_ms: 5.1,
          predicted_n: tokens.length,
          predicted_ms: 9.3,
        },
      }),
    )
  }
  return frames
}

function errorFrame(flavour: EngineFlavour, message: string): string {
  return flavour === 'vllm'
    ? frame({ error: { message, type: 'InternalServerError', param: null, code: 500 } }, true)
    : frame({ error: { code: 500, message, type: 'server_error' } })
}

function sseHeaders(flavour: EngineFlavour, req: IncomingMessage): Record<string, string> {
  if (flavour === 'vllm') {
    return { 'content-type': 'text/event-stream; charset=utf-8' }
  }
  const origin = req.headers.origin
  return {
    'Content-Type': 'text/event-stream',
    Server: 'llama.cpp',
    ...(typeof origin === 'string' ? { 'Access-Control-Allow-Origin': origin } : {}),
  }
}

async function stream(
  ctx: Ctx,
  req: IncomingMessage,
  path: string,
  behaviour: Behaviour,
): Promise<void> {
  const { res, flavour } = ctx
  const tokens = 'tokens' in behaviour && behaviour.tokens ? behaviour.tokens : DEFAULT_TOKENS
  const frames = streamFrames(ctx, path, tokens)
  res.writeHead(200, sseHeaders(flavour, req))
  if (flavour === 'vllm') {
    res.flushHeaders() // vLLM sends the 200 before the first token; llama.cpp sends it with the first frame
  }
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
      res.write(errorFrame(flavour, behaviour.message ?? 'EngineCore encountered an issue.'))
      if (flavour === 'vllm') {
        res.write('data: [DONE]\n\n')
      }
      res.end() // llama.cpp: no [DONE] after its error frame
      return
    default:
      res.write('data: [DONE]\n\n')
      res.end()
  }
}

function jsonAnswer(ctx: Ctx, path: string, tokens: readonly string[]): unknown {
  const { json, flavour } = ctx
  const model = typeof json.model === 'string' ? json.model : 'fake-model'
  const created = 1732690000
  const usage = {
    prompt_tokens: FAKE_PROMPT_TOKENS,
    total_tokens: FAKE_PROMPT_TOKENS + tokens.length,
    completion_tokens: tokens.length,
  }
  const text = tokens.join('')
  switch (path) {
    case '/v1/chat/completions':
      return flavour === 'vllm'
        ? {
            id: `chatcmpl-${randomUUID()}`,
            object: 'chat.completion',
            created,
            model,
            choices: [
              {
                index: 0,
                message: {
                  role: 'assistant',
                  content: text,
                  refusal: null,
                  annotations: null,
                  audio: null,
                  function_call: null,
                  tool_calls: [],
                  reasoning_content: null,
                },
                logprobs: null,
                finish_reason: 'stop',
                stop_reason: null,
              },
            ],
            service_tier: null,
            system_fingerprint: null,
            usage: { ...usage, prompt_tokens_details: null },
            prompt_logprobs: null,
            kv_transfer_params: null,
          }
        : {
            choices: [
              { finish_reason: 'stop', index: 0, message: { role: 'assistant', content: text } },
            ],
            created,
            model,
            system_fingerprint: 'b7234-abcdef0',
            object: 'chat.completion',
            usage: {
              completion_tokens: usage.completion_tokens,
              prompt_tokens: usage.prompt_tokens,
              total_tokens: usage.total_tokens,
            },
            id: `chatcmpl-${randomBytes(16).toString('hex')}`,
            timings: { prompt_n: FAKE_PROMPT_TOKENS, predicted_n: tokens.length },
          }
    case '/v1/completions':
      return {
        id: `cmpl-${randomUUID()}`,
        object: 'text_completion',
        created,
        model,
        choices: [{ index: 0, text, logprobs: null, finish_reason: 'stop', stop_reason: null }],
        usage,
      }
    case '/v1/embeddings': {
      const inputs = Array.isArray(json.input) ? json.input : [json.input]
      return {
        id: `embd-${randomUUID()}`,
        object: 'list',
        created,
        model,
        data: inputs.map((_, index) => ({
          index,
          object: 'embedding',
          embedding: [0.125, -0.5, 0.25, 1],
        })),
        usage: {
          prompt_tokens: FAKE_PROMPT_TOKENS,
          total_tokens: FAKE_PROMPT_TOKENS,
          completion_tokens: 0,
          prompt_tokens_details: null,
        },
      }
    }
    default: {
      const docs = Array.isArray(json.documents) ? json.documents : []
      return {
        id: `rerank-${randomUUID()}`,
        model,
        usage: { total_tokens: FAKE_PROMPT_TOKENS },
        results: docs.map((d, index) => ({
          index,
          document: { text: String(d) },
          relevance_score: 1 / (index + 1),
        })),
      }
    }
  }
}

async function answerJson(ctx: Ctx, path: string, behaviour: Behaviour): Promise<void> {
  const tokens = 'tokens' in behaviour && behaviour.tokens ? behaviour.tokens : DEFAULT_TOKENS
  if (behaviour.kind === 'slow') {
    await delay(behaviour.gapMs * tokens.length)
  }
  if (behaviour.kind === 'stalled') {
    return
  }
  if (ctx.closed()) {
    return
  }
  const answer = jsonAnswer(ctx, path, tokens)
  // A large answer (think embeddings of a long batch), with usage still at the end as engines send it.
  const padded =
    (behaviour.kind === 'normal' || behaviour.kind === 'destroy_mid_stream') &&
    behaviour.padBytes !== undefined
      ? { pad: 'x'.repeat(behaviour.padBytes), ...(answer as Record<string, unknown>) }
      : answer
  const body = JSON.stringify(padded)
  ctx.res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...(ctx.flavour === 'llamacpp' ? { Server: 'llama.cpp' } : {}),
  })
  if (behaviour.kind === 'destroy_mid_stream') {
    // The engine dies after its headers and half of the body (given time to reach the gateway first: undici drops
    // received-but-unread data when the socket errors).
    ctx.res.write(body.slice(0, body.length >> 1))
    await delay(100)
    ctx.destroying()
    ctx.res.socket?.destroy()
    return
  }
  ctx.res.end(body)
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'application/json',
) {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
  })
  res.end(body)
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

function answerHealth(options: FakeEngineOptions, loading: boolean, res: ServerResponse): void {
  if (options.flavour === 'vllm') {
    res.writeHead(200, { 'content-length': '0' })
    res.end()
    return
  }
  if (loading) {
    sendJson(res, 503, ENGINE_ERRORS.llamaLoading.body)
    return
  }
  sendJson(res, 200, '{"status":"ok"}')
}

function notFound(flavour: EngineFlavour, res: ServerResponse): void {
  sendJson(
    res,
    404,
    flavour === 'vllm'
      ? '{"detail":"Not Found"}'
      : '{"error":{"message":"File Not Found","type":"not_found_error","code":404}}',
  )
}

export async function startFakeEngine(options: FakeEngineOptions): Promise<FakeEngine> {
  const requests: RecordedRequest[] = []
  let script: Script = options.script ?? { kind: 'normal' }
  let loading = options.loading ?? false
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/'
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        path,
        headers: req.headers,
        body: Buffer.concat(chunks),
        clientClosed: false,
        completed: false,
      }
      requests.push(rec)
      let destroyedByUs = false
      res.on('finish', () => {
        rec.completed = true
      })
      res.on('close', () => {
        if (!res.writableFinished && !destroyedByUs) {
          rec.clientClosed = true
        }
      })
      const ctx = (json: Record<string, unknown>): Ctx => ({
        flavour: options.flavour,
        rec,
        json,
        res,
        closed: () => res.destroyed || rec.clientClosed,
        destroying: () => {
          destroyedByUs = true
        },
      })
      void handle(rec, req, res, ctx).catch(() => res.destroy())
    })
  })

  async function handle(
    rec: RecordedRequest,
    req: IncomingMessage,
    res: ServerResponse,
    ctx: (j: Record<string, unknown>) => Ctx,
  ) {
    if (rec.path === '/health' || (options.flavour === 'llamacpp' && rec.path === '/v1/health')) {
      answerHealth(options, loading, res)
      return
    }
    if (options.flavour === 'llamacpp' && loading) {
      sendJson(res, 503, ENGINE_ERRORS.llamaLoading.body)
      return
    }
    if (!isAuthorized(options, req)) {
      const e =
        options.flavour === 'vllm'
          ? ENGINE_ERRORS.vllmUnauthorized
          : ENGINE_ERRORS.llamaUnauthorized
      sendJson(res, 401, e.body)
      return
    }
    if (rec.method !== 'POST' || !INFERENCE_PATHS.has(rec.path)) {
      notFound(options.flavour, res)
      return
    }
    const behaviour = typeof script === 'function' ? script(rec) : script
    if (behaviour.kind === 'status') {
      res.writeHead(behaviour.status, {
        'content-type': behaviour.contentType ?? 'application/json',
        'content-length': String(Buffer.byteLength(behaviour.body)),
        ...behaviour.headers,
      })
      res.end(behaviour.body)
      return
    }
    if (behaviour.kind === 'no_headers') {
      return
    }
    if (behaviour.kind === 'reset') {
      res.socket?.destroy()
      return
    }
    let json: Record<string, unknown>
    try {
      json = JSON.parse(rec.body.toString('utf8')) as Record<string, unknown>
    } catch {
      sendJson(
        res,
        400,
        '{"error":{"message":"bad json","type":"BadRequestError","param":null,"code":400}}',
      )
      return
    }
    const streaming =
      json.stream === true &&
      (rec.path === '/v1/chat/completions' || rec.path === '/v1/completions')
    if (streaming) {
      await stream(ctx(json), req, rec.path, behaviour)
    } else {
      await answerJson(ctx(json), rec.path, behaviour)
    }
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
    flavour: options.flavour,
    requests,
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

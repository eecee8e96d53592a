import type { Context, Handler } from 'hono'
import type { Deps } from '../deps.js'
import type { AppEnv } from '../http/app-env.js'
import { toSseErrorFrame } from '../http/error-body.js'
import { GatewayError } from '../http/gateway-error.js'
import { recordAccess } from '../middleware/request-log.js'
import type { BodyObserver } from './body-observer.js'
import { toClientHeaders, toEngineHeaders } from './forward-headers.js'
import { JsonUsageTail } from './json-usage-tail.js'
import { modelNotFound } from './model-not-found.js'
import { readErrorBody } from './read-error-body.js'
import { readWholeBody } from './read-whole-body.js'
import { buildUpstreamBody, parseInferenceBody } from './request-body.js'
import { type SendOutcome, sendWithFailover } from './send-with-failover.js'
import { type RelayOutcome, relayBody } from './sse-relay.js'
import { SseScanner } from './sse-scanner.js'
import type { TokenUsage } from './token-usage.js'
import { UpstreamCall } from './upstream-call.js'
import { fromEngineResponse, fromTransportError } from './upstream-error.js'
import type { UpstreamResponse } from './upstream-pool.js'

/** Seconds a client should wait before retrying when no instance can take the request. */
const NO_INSTANCE_RETRY_AFTER_SECONDS = 5
/** What the access log and metrics record for a request whose client went away (nginx's convention). */
const CLIENT_CLOSED_STATUS = 499

export interface ProxyRoute {
  /** The engine's route, e.g. /v1/chat/completions. */
  readonly enginePath: string
}

/** The status the access log and metrics record for how a relayed body ended (the sent status is fixed). */
function recordedStatus(outcome: RelayOutcome, sent: number, failure: GatewayError | undefined) {
  switch (outcome) {
    case 'completed':
      return sent
    case 'client_abort':
      return CLIENT_CLOSED_STATUS
    case 'engine_error':
      return 502
    case 'upstream_error':
      return failure?.status ?? 502
  }
}

function isEventStream(res: UpstreamResponse): boolean {
  const type = res.headers['content-type']
  return typeof type === 'string' && type.toLowerCase().startsWith('text/event-stream')
}

/**
 * The one handler behind every proxied route (DESIGN §6): read and check the body, resolve the model for this
 * principal, pick an instance, forward, and relay the answer as it arrives.
 */
export function createProxyHandler(deps: Deps, route: ProxyRoute): Handler<AppEnv> {
  const { models, upstreams, metrics } = deps
  return async function proxy(c: Context<AppEnv>) {
    const req = parseInferenceBody(new Uint8Array(await c.req.arrayBuffer()))
    const model = models.resolve(c.get('principal'), req.model)
    if (model === undefined) {
      throw modelNotFound(req.model)
    }
    const label = models.labelFor(model.name)
    c.set('modelLabel', label)
    const body = buildUpstreamBody(req, {
      upstreamModel: model.upstreamModelName ?? model.name,
      usageDefaultsOn: model.backend === 'vllm',
    })
    const requestId = c.get('requestId')
    const clientHeaders = c.env?.incoming?.headers ?? Object.fromEntries(c.req.raw.headers)
    // The Node response when there is one: reading c.req.raw.signal would build an AbortController per request.
    const call = new UpstreamCall(c.env?.outgoing ?? c.req.raw.signal)
    metrics.inflight.inc({ model: label })
    let finished = false
    const finish = () => {
      if (!finished) {
        finished = true
        call.dispose()
        metrics.inflight.dec({ model: label })
      }
    }

    let sent: SendOutcome
    try {
      sent = await sendWithFailover(upstreams, model.instances, (endpoint) => ({
        path: route.enginePath,
        headers: toEngineHeaders(clientHeaders, {
          requestId,
          engineApiKey: endpoint.instance.apiKey,
          contentLength: body.bytes.byteLength,
        }),
        body: body.bytes,
        signal: call.signal,
      }))
    } catch (err) {
      finish()
      if (call.clientGone) {
        return clientClosed(c, deps)
      }
      throw fromTransportError(err, upstreams.timeouts)
    }
    if (!sent.ok) {
      finish()
      throw new GatewayError('upstream_unavailable', {
        message: `No instance of \`${model.name}\` can take requests right now; retry later.`,
        retryAfterSeconds: NO_INSTANCE_RETRY_AFTER_SECONDS,
      })
    }
    const res = sent.res
    if (res.status < 200 || res.status >= 300) {
      const text = await readErrorBody(res.body)
      finish()
      const retryAfter = res.headers['retry-after']
      throw fromEngineResponse({
        status: res.status,
        body: text,
        retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
      })
    }
    const answer: Answer = {
      res,
      label,
      requestId,
      stripUsage: body.injectedUsage,
      call,
      finish,
    }
    return isSentWhole(res) ? answerWhole(c, deps, answer) : relayResponse(c, deps, answer)
  }
}

/** The engine's successful answer and what ends the request once it has been relayed. */
interface Answer {
  res: UpstreamResponse
  label: string
  requestId: string
  stripUsage: boolean
  call: UpstreamCall
  finish(): void
}

interface Ending {
  outcome: RelayOutcome
  usage: TokenUsage | undefined
  ttftMs?: number
  failure?: GatewayError
}

/** Ends the request: metrics, usage and the one access line. */
function recordEnd(c: Context<AppEnv>, deps: Deps, r: Answer, end: Ending): void {
  const { metrics } = deps
  r.finish()
  const outcome = r.call.clientGone ? 'client_abort' : end.outcome
  if (end.ttftMs !== undefined) {
    metrics.timeToFirstToken.observe({ model: r.label }, end.ttftMs / 1000)
  }
  const usage = end.usage
  if (usage !== undefined) {
    metrics.tokens.inc({ model: r.label, kind: 'prompt' }, usage.promptTokens)
    metrics.tokens.inc({ model: r.label, kind: 'completion' }, usage.completionTokens)
  }
  if (end.failure !== undefined && outcome === 'upstream_error') {
    c.get('log').warn({ err: end.failure.cause }, 'upstream failed mid-body')
  }
  recordAccess(c, deps, {
    status: recordedStatus(outcome, r.res.status, end.failure),
    ttftMs: end.ttftMs === undefined ? undefined : Math.round(end.ttftMs),
    promptTokens: usage?.promptTokens,
    completionTokens: usage?.completionTokens,
    outcome,
  })
}

/**
 * A non-streaming answer with a declared length up to this size is read whole and sent with its headers in one
 * write: the client cannot use half a JSON document, and the web stream the relay needs costs more than the copy.
 */
const WHOLE_ANSWER_MAX_BYTES = 256 * 1024

/** A non-streaming answer of a small declared length (else it is relayed as a stream). */
function isSentWhole(res: UpstreamResponse): boolean {
  const declared = res.headers['content-length']
  if (declared === undefined || isEventStream(res)) {
    return false
  }
  const length = Number(declared)
  return Number.isInteger(length) && length >= 0 && length <= WHOLE_ANSWER_MAX_BYTES
}

/** Reads a bounded non-streaming answer, then answers with it; a body that fails becomes an error answer. */
async function answerWhole(c: Context<AppEnv>, deps: Deps, r: Answer): Promise<Response> {
  let bytes: Uint8Array<ArrayBuffer>
  try {
    bytes = await readWholeBody(r.res.body)
  } catch (err) {
    r.finish()
    if (r.call.clientGone) {
      return clientClosed(c, deps)
    }
    // Nothing has reached the client yet, so it gets a proper error instead of a cut body.
    throw fromTransportError(err, deps.upstreams.timeouts)
  }
  const observer = new JsonUsageTail()
  observer.push(bytes)
  observer.finish()
  c.set('accessLogDeferred', true)
  recordEnd(c, deps, r, { outcome: 'completed', usage: observer.usage })
  const headers = toClientHeaders(r.res.headers, { requestId: r.requestId, bodyRewritten: false })
  return new Response(bytes, { status: r.res.status, headers })
}

/** Streams the engine's successful answer back; metrics and the access line are written when it ends. */
function relayResponse(c: Context<AppEnv>, deps: Deps, r: Answer): Response {
  const startedAt = c.get('startedAt')
  const isSse = isEventStream(r.res)
  let ttftMs: number | undefined
  const observer: BodyObserver = isSse
    ? new SseScanner({
        stripUsage: r.stripUsage,
        onFirstFrame: () => {
          ttftMs = performance.now() - startedAt
        },
      })
    : new JsonUsageTail()
  let failure: GatewayError | undefined
  const headers = toClientHeaders(r.res.headers, {
    requestId: r.requestId,
    bodyRewritten: isSse && r.stripUsage,
  })
  if (isSse) {
    headers['x-accel-buffering'] = 'no' // nginx (and ingress-nginx) would otherwise buffer the stream
  }
  c.set('accessLogDeferred', true)
  const stream = relayBody({
    source: r.res.body[Symbol.asyncIterator](),
    observer,
    abort: () => r.call.abort(),
    errorFrame: (err) => {
      failure = fromTransportError(err, deps.upstreams.timeouts)
      return toSseErrorFrame(failure, r.requestId)
    },
    onEnd: (outcome) => {
      recordEnd(c, deps, r, { outcome, usage: observer.usage, ttftMs, failure })
    },
  })
  return new Response(stream, { status: r.res.status, headers })
}

/** The client left before the engine answered: nobody reads this response; log it once and stop. */
function clientClosed(c: Context<AppEnv>, deps: Deps): Response {
  c.set('accessLogDeferred', true)
  recordAccess(c, deps, { status: CLIENT_CLOSED_STATUS, outcome: 'client_abort' })
  return new Response(null, { status: CLIENT_CLOSED_STATUS })
}

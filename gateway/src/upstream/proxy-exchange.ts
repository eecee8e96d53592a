import type { IncomingMessage, ServerResponse } from 'node:http'
import { type CredentialSource, checkScope, identify } from '../auth/identify.js'
import type { Principal } from '../auth/principal.js'
import type { Deps } from '../deps.js'
import { toSseErrorFrame } from '../http/error-body.js'
import { toErrorResponse, toGatewayError } from '../http/error-response.js'
import { GatewayError } from '../http/gateway-error.js'
import { readRequestBody } from '../middleware/body-limit.js'
import { acceptRequestId } from '../middleware/request-id.js'
import {
  type AccessDetails,
  type AccessEntry,
  recordAccess,
} from '../observability/access-record.js'
import type { BodyObserver } from './body-observer.js'
import { toClientHeaders, toEngineHeaders } from './forward-headers.js'
import { JsonUsageTail } from './json-usage-tail.js'
import { modelNotFound } from './model-not-found.js'
import { readErrorBody } from './read-error-body.js'
import { readWholeBody } from './read-whole-body.js'
import { buildUpstreamBody, parseInferenceBody } from './request-body.js'
import { sendWithFailover } from './send-with-failover.js'
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
/**
 * A non-streaming answer with a declared length up to this size is read whole and sent with its headers in one
 * write: the client cannot use half a JSON document, and relaying it chunk by chunk costs more than the copy.
 */
const WHOLE_ANSWER_MAX_BYTES = 256 * 1024

export interface ProxyRoute {
  /** The gateway's route, e.g. /v1/chat/completions (also the metric label). */
  readonly path: string
  /** The engine's route. */
  readonly enginePath: string
}

/** Serves one request to a proxied route on the Node request and response directly; never rejects. */
export type ProxyListener = (
  route: ProxyRoute,
  req: IncomingMessage,
  res: ServerResponse,
) => Promise<void>

/**
 * The one handler behind every proxied route (DESIGN §6), on node:http rather than Hono: this path is the product's
 * hot path, and the web Request/Response, middleware chain and web streams cost more than everything the gateway
 * itself does per request (bench/RESULTS.md). Identify the caller, read and check the body, resolve the model for
 * this principal, pick an instance, forward, and relay the answer as it arrives; errors leave through the same
 * error table and envelope as every other route.
 */
export function createProxyListener(deps: Deps): ProxyListener {
  return (route, req, res) => new ProxyExchange(deps, route, req, res).run()
}

function isEventStream(res: UpstreamResponse): boolean {
  const type = res.headers['content-type']
  return typeof type === 'string' && type.toLowerCase().startsWith('text/event-stream')
}

/** A non-streaming answer of a small declared length (else it is relayed as it arrives). */
function isSentWhole(res: UpstreamResponse): boolean {
  const declared = res.headers['content-length']
  if (declared === undefined || isEventStream(res)) {
    return false
  }
  const length = Number(declared)
  return Number.isInteger(length) && length >= 0 && length <= WHOLE_ANSWER_MAX_BYTES
}

/** The status recorded for how a relayed body ended (the status sent is fixed by then). */
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

interface Ending {
  outcome: RelayOutcome
  usage: TokenUsage | undefined
  ttftMs?: number
  failure?: GatewayError
}

/** One proxied request, from its headers to its access line. It is also what identify() and recordAccess() read. */
class ProxyExchange implements AccessEntry, CredentialSource {
  readonly method = 'POST'
  readonly route: string
  readonly requestId: string
  readonly startedAt = performance.now()
  model = ''
  principal: Principal | undefined
  readonly #deps: Deps
  readonly #enginePath: string
  readonly #req: IncomingMessage
  readonly #res: ServerResponse
  #call: UpstreamCall | undefined
  #recorded = false

  constructor(deps: Deps, route: ProxyRoute, req: IncomingMessage, res: ServerResponse) {
    this.#deps = deps
    this.route = route.path
    this.#enginePath = route.enginePath
    this.#req = req
    this.#res = res
    this.requestId = acceptRequestId(this.header('x-request-id'))
  }

  header(name: string): string | undefined {
    const value = this.#req.headers[name]
    return typeof value === 'string' ? value : undefined
  }

  setCookie(value: string): void {
    this.#res.appendHeader('set-cookie', value)
  }

  /** Never rejects: nothing above it would catch (an unhandled rejection ends the process). */
  async run(): Promise<void> {
    try {
      await this.#serve()
    } catch (err) {
      try {
        this.#fail(err)
      } catch (writeErr) {
        this.#deps.logger.error(
          { requestId: this.requestId, err: writeErr },
          'could not answer a failed request',
        )
        this.#res.destroy()
      }
    }
  }

  async #serve(): Promise<void> {
    const deps = this.#deps
    const found = identify(this, deps)
    const principal = found instanceof Promise ? await found : found
    this.principal = principal
    checkScope(principal, 'inference')
    const req = parseInferenceBody(await readRequestBody(this.#req, deps.config.maxBodyBytes))
    const model = deps.models.resolve(principal, req.model)
    if (model === undefined) {
      throw modelNotFound(req.model)
    }
    const label = deps.models.labelFor(model.name)
    this.model = label
    const body = buildUpstreamBody(req, {
      upstreamModel: model.upstreamModelName ?? model.name,
      usageDefaultsOn: model.backend === 'vllm',
    })
    const call = new UpstreamCall(this.#res)
    this.#call = call
    deps.metrics.inflight.inc({ model: label })

    const sent = await sendWithFailover(deps.upstreams, model.instances, (endpoint) => ({
      path: this.#enginePath,
      headers: toEngineHeaders(this.#req.headers, {
        requestId: this.requestId,
        engineApiKey: endpoint.instance.apiKey,
        contentLength: body.bytes.byteLength,
      }),
      body: body.bytes,
      signal: call.signal,
    })).catch((err: unknown) => {
      throw call.clientGone ? err : fromTransportError(err, deps.upstreams.timeouts)
    })
    if (!sent.ok) {
      throw new GatewayError('upstream_unavailable', {
        message: `No instance of \`${model.name}\` can take requests right now; retry later.`,
        retryAfterSeconds: NO_INSTANCE_RETRY_AFTER_SECONDS,
      })
    }
    const res = sent.res
    if (res.status < 200 || res.status >= 300) {
      const text = await readErrorBody(res.body)
      const retryAfter = res.headers['retry-after']
      throw fromEngineResponse({
        status: res.status,
        body: text,
        retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
      })
    }
    if (isSentWhole(res)) {
      await this.#answerWhole(res)
    } else {
      this.#relay(res, body.injectedUsage)
    }
  }

  /** Reads a bounded non-streaming answer, then sends it with its headers in one write. */
  async #answerWhole(res: UpstreamResponse): Promise<void> {
    let bytes: Uint8Array
    try {
      bytes = await readWholeBody(res.body)
    } catch (err) {
      // Nothing has reached the client yet, so it gets a proper error instead of a cut body.
      throw this.#call?.clientGone ? err : fromTransportError(err, this.#deps.upstreams.timeouts)
    }
    const observer = new JsonUsageTail()
    observer.push(bytes)
    observer.finish()
    const headers = toClientHeaders(res.headers, {
      requestId: this.requestId,
      bodyRewritten: false,
    })
    this.#res.writeHead(res.status, headers).end(bytes)
    this.#end(res.status, { outcome: 'completed', usage: observer.usage })
  }

  /** Relays the engine's successful answer as it arrives; the request is recorded when the body ends. */
  #relay(res: UpstreamResponse, stripUsage: boolean): void {
    const startedAt = this.startedAt
    const isSse = isEventStream(res)
    let ttftMs: number | undefined
    const observer: BodyObserver = isSse
      ? new SseScanner({
          stripUsage,
          onFirstFrame: () => {
            ttftMs = performance.now() - startedAt
          },
        })
      : new JsonUsageTail()
    let failure: GatewayError | undefined
    const headers = toClientHeaders(res.headers, {
      requestId: this.requestId,
      bodyRewritten: isSse && stripUsage,
    })
    if (isSse) {
      headers['x-accel-buffering'] = 'no' // nginx (and ingress-nginx) would otherwise buffer the stream
    }
    this.#res.writeHead(res.status, headers)
    if (isSse && res.body.bufferedBytes === 0) {
      // The engine sent its headers before the first token (vLLM does, then prefills): the client learns at once
      // that its stream began. When the first frame came with the headers they leave together, in one write.
      this.#res.flushHeaders()
    }
    relayBody({
      source: res.body,
      sink: this.#res,
      observer,
      clientGone: () => this.#call?.clientGone === true,
      errorFrame: (err) => {
        failure = fromTransportError(err, this.#deps.upstreams.timeouts)
        return toSseErrorFrame(failure, this.requestId)
      },
      onEnd: (outcome) => {
        this.#end(res.status, { outcome, usage: observer.usage, ttftMs, failure })
      },
    })
  }

  /** Ends a request whose engine answered: metrics, usage and the one access line. */
  #end(sent: number, end: Ending): void {
    const { metrics } = this.#deps
    const outcome = this.#call?.clientGone ? 'client_abort' : end.outcome
    if (end.ttftMs !== undefined) {
      metrics.timeToFirstToken.observe({ model: this.model }, end.ttftMs / 1000)
    }
    const usage = end.usage
    if (usage !== undefined) {
      metrics.tokens.inc({ model: this.model, kind: 'prompt' }, usage.promptTokens)
      metrics.tokens.inc({ model: this.model, kind: 'completion' }, usage.completionTokens)
    }
    if (end.failure !== undefined && outcome === 'upstream_error') {
      this.#deps.logger.warn(
        { requestId: this.requestId, err: end.failure.cause },
        'upstream failed mid-body',
      )
    }
    this.#record({
      status: recordedStatus(outcome, sent, end.failure),
      ttftMs: end.ttftMs === undefined ? undefined : Math.round(end.ttftMs),
      promptTokens: usage?.promptTokens,
      completionTokens: usage?.completionTokens,
      outcome,
    })
  }

  /** Answers with the error envelope, or records a client that left (nobody reads an answer then). */
  #fail(err: unknown): void {
    const res = this.#res
    if (this.#call?.clientGone === true || res.destroyed) {
      this.#record({ status: CLIENT_CLOSED_STATUS, outcome: 'client_abort' })
      return
    }
    const e = toGatewayError(err)
    if (e.status >= 500) {
      this.#deps.logger.error({ requestId: this.requestId, err }, 'request failed')
    }
    if (res.headersSent) {
      res.destroy() // an answer was written and recording it failed; the relay handles its own failures
    } else {
      const answer = toErrorResponse(e, this.requestId)
      res.writeHead(answer.status, answer.headers).end(answer.body)
    }
    this.#record({ status: e.status })
  }

  /** The access line, metrics and usage, exactly once; the upstream call and in-flight gauge end here too. */
  #record(details: AccessDetails): void {
    if (this.#recorded) {
      return
    }
    this.#recorded = true
    if (this.#call !== undefined) {
      this.#call.dispose()
      this.#deps.metrics.inflight.dec({ model: this.model })
    }
    recordAccess(this.#deps, this, details)
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { type AuthOptions, type CredentialSource, checkScope, identify } from '../auth/identify.js'
import type { Principal } from '../auth/principal.js'
import { toErrorResponse, toGatewayError } from '../http/error-response.js'
import { GatewayError } from '../http/gateway-error.js'
import { requireJsonContentType } from '../http/media-type.js'
import { readRequestBody } from '../http/read-request-body.js'
import { acceptRequestId } from '../http/request-id.js'
import type { LimitTicket } from '../limits/limit-store.js'
import { estimateRequestTokens } from '../limits/token-estimate.js'
import { modelNotFound, routeNotServed } from '../models/model-not-found.js'
import type { ModelRegistry, ModelTarget } from '../models/model-registry.js'
import type {
  RecordedRequest,
  RequestEnd,
  RequestRecorder,
} from '../observability/request-recorder.js'
import { sendWithFailover } from '../upstream/send-with-failover.js'
import type { UpstreamEndpoint, UpstreamPool, UpstreamRequest } from '../upstream/upstream-pool.js'
import { type AnswerEnding, sendEngineAnswer } from './engine-answer.js'
import { engineRejection } from './engine-rejection.js'
import { toEngineHeaders } from './forward-headers.js'
import { readMultipartModel } from './multipart-model.js'
import { MultipartUpload } from './multipart-upload.js'
import type { ProxyRoute } from './proxy-routes.js'
import { CLIENT_CLOSED_STATUS, recordedStatus } from './recorded-status.js'
import { buildUpstreamBody, parseInferenceBody, type UpstreamBody } from './request-body.js'
import { admitRequest, LimitRefusal, type RequestLimits } from './request-limits.js'
import { UpstreamCall } from './upstream-call.js'
import { fromTransportError } from './upstream-error.js'

/** Seconds a client should wait before retrying when no instance can take the request. */
const NO_INSTANCE_RETRY_AFTER_SECONDS = 5

/** What the proxied routes use, and nothing more. */
export interface ProxyServices {
  readonly auth: AuthOptions
  readonly models: Pick<ModelRegistry, 'resolve' | 'labelFor'>
  readonly upstreams: UpstreamPool
  readonly recorder: RequestRecorder
  /** The root logger; each request logs through a child carrying its id. */
  readonly logger: Logger
  readonly maxBodyBytes: number
  /** Per key and user limits, checked before an engine is held (docs/limits.md). */
  readonly limits: RequestLimits
}

/**
 * One proxied request, from its headers to its access line, on the Node request and response directly: identify
 * the caller, read and check the body, resolve the model for this principal, pick an instance, forward, and relay
 * the answer as it arrives. Errors leave through the same error table and envelope as every other route.
 * It is also what identify() and the recorder read.
 */
export class ProxyExchange implements RecordedRequest, CredentialSource {
  readonly method = 'POST'
  readonly route: string
  readonly requestId: string
  readonly startedAt = performance.now()
  model = ''
  principal: Principal | undefined
  readonly #services: ProxyServices
  readonly #route: ProxyRoute
  readonly #req: IncomingMessage
  readonly #res: ServerResponse
  #log: Logger | undefined
  #call: UpstreamCall | undefined
  /** A multipart body being streamed to the engine (the audio routes). */
  #upload: MultipartUpload | undefined
  /** The limits' hold on this request (limited keys only); settled once, in #record. */
  #ticket: LimitTicket | undefined
  #recorded = false

  constructor(
    services: ProxyServices,
    route: ProxyRoute,
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    this.#services = services
    this.route = route.path
    this.#route = route
    this.#req = req
    this.#res = res
    this.requestId = acceptRequestId(this.header('x-request-id'))
  }

  /** The request's logger, made on first use (most requests log one line, or none below info). */
  get log(): Logger {
    this.#log ??= this.#services.logger.child({ requestId: this.requestId })
    return this.#log
  }

  /** CredentialSource's path: the route, which is the request path without its query. */
  get path(): string {
    return this.route
  }

  header(name: string): string | undefined {
    const value = this.#req.headers[name]
    return typeof value === 'string' ? value : undefined
  }

  remoteAddress(): string | undefined {
    return this.#req.socket.remoteAddress
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
        this.log.error({ err: writeErr }, 'could not answer a failed request')
        this.#res.destroy()
      }
    }
  }

  async #serve(): Promise<void> {
    const services = this.#services
    const route = this.#route
    const principal = await identify(this, services.auth)
    this.principal = principal
    checkScope(principal, 'inference')
    if (route.body === 'json') {
      requireJsonContentType(this.header('content-type'))
    }
    const body =
      route.body === 'json'
        ? parseInferenceBody(
            await readRequestBody(this.#req, services.maxBodyBytes),
            route.checkBody,
          )
        : await this.#startUpload()
    const model = this.#modelFor(principal, body.model)
    // Caller, model, route and body are known, no engine is held yet. Unlimited: one length check.
    if (principal.limits.length > 0) {
      const completion = route.completes ? (body.kind === 'json' ? body.maxTokens : undefined) : 0
      const estimate = estimateRequestTokens(
        body.kind === 'json' ? body.bytes.byteLength : 0,
        completion,
        services.limits.defaultMaxTokens,
      )
      this.#ticket = await admitRequest(services.limits, principal.limits, estimate, this.#res)
    }
    const upstreamModel = model.upstreamModelName ?? model.name
    let json: UpstreamBody | undefined
    if (body.kind === 'json') {
      json = buildUpstreamBody(body, {
        upstreamModel,
        usageDefaultsOn: model.backend === 'vllm',
        injectsUsage: route.injectsUsage,
      })
    } else {
      body.renameModel(upstreamModel)
    }
    const call = new UpstreamCall(this.#res)
    this.#call = call
    services.recorder.engineCallStarted(this.model)
    const timeouts = services.upstreams.timeouts
    const upload = this.#upload
    const canResend = upload === undefined ? undefined : () => !upload.started
    const sent = await sendWithFailover(services.upstreams, model.instances, (endpoint) =>
      this.#engineRequest(endpoint, json, call, canResend),
    ).catch((err: unknown) => {
      throw call.clientGone ? err : (upload?.failure ?? fromTransportError(err, timeouts))
    })
    if (!sent.ok) {
      throw new GatewayError('upstream_unavailable', {
        message: `No instance of \`${model.name}\` can take requests right now; retry later.`,
        retryAfterSeconds: NO_INSTANCE_RETRY_AFTER_SECONDS,
      })
    }
    const res = sent.res
    if (res.status < 200 || res.status >= 300) {
      throw await engineRejection(res)
    }
    await sendEngineAnswer(res, this.#res, {
      route,
      requestId: this.requestId,
      startedAt: this.startedAt,
      stripUsage: json?.injectedUsage === true,
      clientGone: () => call.clientGone,
      toFailure: (err) => fromTransportError(err, timeouts),
      onEnd: (ending) => this.#end(res.status, ending),
    })
  }

  /** The model, if this principal may use it on this route; records its metric label. */
  #modelFor(principal: Principal, name: string): ModelTarget {
    const model = this.#services.models.resolve(principal, name)
    if (model === undefined) {
      throw modelNotFound(name)
    }
    if ((model.routes.bits & this.#route.bit) === 0) {
      throw routeNotServed(model.name, this.#route.path)
    }
    this.model = this.#services.models.labelFor(model.name)
    return model
  }

  /** One attempt's request: the JSON bytes (the same on every attempt), or a fresh stream of the upload. */
  #engineRequest(
    endpoint: UpstreamEndpoint,
    json: UpstreamBody | undefined,
    call: UpstreamCall,
    canResend: (() => boolean) | undefined,
  ): UpstreamRequest {
    const upload = this.#upload
    return {
      path: this.#route.enginePath,
      headers: toEngineHeaders(this.#req.headers, {
        requestId: this.requestId,
        engineApiKey: endpoint.instance.apiKey,
        contentLength: json === undefined ? upload?.contentLength : json.bytes.byteLength,
        isJson: json !== undefined,
      }),
      body: json?.bytes ?? (upload as MultipartUpload).open(),
      signal: call.signal,
      canResend,
    }
  }

  /** Reads a multipart form up to its `model` field; the rest follows to the engine as it arrives. */
  async #startUpload(): Promise<MultipartUpload> {
    const head = await readMultipartModel(this.#req, this.#services.maxBodyBytes)
    this.#upload = new MultipartUpload(this.#req, head, this.#services.maxBodyBytes)
    return this.#upload
  }

  /** Ends a request whose engine answered. */
  #end(sent: number, end: AnswerEnding): void {
    const outcome = this.#call?.clientGone ? 'client_abort' : end.outcome
    if (end.failure !== undefined && outcome === 'upstream_error') {
      this.log.warn({ err: end.failure.cause }, 'upstream failed mid-body')
    }
    const usage = end.usage
    this.#record(
      {
        status: recordedStatus(outcome, sent, end.failure),
        ttftMs: end.ttftMs,
        promptTokens: usage?.promptTokens,
        completionTokens: usage?.completionTokens,
        outcome,
      },
      // No usage reported (an engine that sends none, a stream cut short): the estimate stays counted.
      usage === undefined ? undefined : usage.promptTokens + usage.completionTokens,
    )
  }

  /** Answers with the error envelope, or records a client that left (nobody reads an answer then). */
  #fail(err: unknown): void {
    const res = this.#res
    if (this.#call?.clientGone === true || res.destroyed) {
      // The engine may have worked for it before the client left: the estimate stays counted.
      this.#record({ status: CLIENT_CLOSED_STATUS, outcome: 'client_abort' }, undefined)
      return
    }
    const e = toGatewayError(err)
    if (e.status >= 500) {
      this.log.error({ err }, 'request failed')
    }
    if (res.headersSent) {
      res.destroy() // an answer was written and recording it failed; the relay handles its own failures
    } else {
      const answer = toErrorResponse(e, this.requestId, this.#route.dialect)
      res.writeHead(answer.status, answer.headers).end(answer.body)
    }
    // No answer came from an engine (it refused, failed, or none was reached): nothing was generated.
    this.#record({ status: e.status, refused: e instanceof LimitRefusal }, 0)
  }

  /**
   * Exactly once; the upstream call ends here too, and the limits' reservation moves to `usedTokens` (undefined:
   * keep the estimate) and releases its parallel lease.
   */
  #record(end: RequestEnd, usedTokens: number | undefined): void {
    if (this.#recorded) {
      return
    }
    this.#recorded = true
    this.#ticket?.settle(usedTokens)
    const call = this.#call
    call?.dispose()
    this.#upload?.dispose()
    this.#services.recorder.finish(this, end, call !== undefined)
  }
}

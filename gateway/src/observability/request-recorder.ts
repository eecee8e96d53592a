import type { Logger } from 'pino'
import type { Principal } from '../auth/principal.js'
import type { UsageRecorder } from '../usage/usage-recorder.js'
import type { Metrics } from './metrics.js'

/** What is known about a request when it ends, whichever server path (Hono or the proxy's node:http) served it. */
export interface RecordedRequest {
  readonly method: string
  /** A route pattern or 'other': a bounded metric label. */
  readonly route: string
  readonly requestId: string
  /** performance.now() when the request arrived. */
  readonly startedAt: number
  /** The model's metric label once a route resolved it, else ''. */
  readonly model: string
  readonly principal: Principal | undefined
  /** The request's own logger (it carries the request id). */
  readonly log: Logger
}

export interface RequestEnd {
  status: number
  /** Milliseconds from arrival to the first streamed frame. */
  ttftMs?: number
  promptTokens?: number
  completionTokens?: number
  /** How a relayed answer ended: completed, client_abort, engine_error, upstream_error. */
  outcome?: string
  /** A limit refused it (429) before any engine saw it: usage counts it as refused, never as an error. */
  refused?: boolean
}

export interface RequestRecorderOptions {
  metrics: Metrics
  usage: UsageRecorder
}

/**
 * The one place a finished request is written down, for both server paths: request, latency, first-token and
 * token metrics, the in-flight gauge, usage per key (inference with a key only) and the one access line.
 */
export class RequestRecorder {
  readonly #metrics: Metrics
  readonly #usage: UsageRecorder

  constructor(options: RequestRecorderOptions) {
    this.#metrics = options.metrics
    this.#usage = options.usage
  }

  /** A request is about to hold an engine: counted in flight until `finish(…, { heldEngine: true })`. */
  engineCallStarted(model: string): void {
    this.#metrics.inflight.inc({ model })
  }

  finish(request: RecordedRequest, end: RequestEnd, heldEngine = false): void {
    const metrics = this.#metrics
    const durationMs = performance.now() - request.startedAt
    const { route, model, principal } = request
    if (heldEngine) {
      metrics.inflight.dec({ model })
    }
    metrics.requests.inc({ route, model, status: String(end.status) })
    metrics.requestDuration.observe({ route, model }, durationMs / 1000)
    if (end.ttftMs !== undefined) {
      metrics.timeToFirstToken.observe({ model }, end.ttftMs / 1000)
    }
    if (end.promptTokens !== undefined) {
      metrics.tokens.inc({ model, kind: 'prompt' }, end.promptTokens)
    }
    if (end.completionTokens !== undefined) {
      metrics.tokens.inc({ model, kind: 'completion' }, end.completionTokens)
    }
    if (model !== '' && model !== 'other' && principal?.keyId != null) {
      this.#usage.record({
        keyId: principal.keyId,
        model,
        promptTokens: end.promptTokens ?? 0,
        completionTokens: end.completionTokens ?? 0,
        isError: end.refused !== true && end.status >= 400,
        isRefused: end.refused === true,
      })
    }
    const log = request.log
    if (!log.isLevelEnabled('info')) {
      return // the line's object is not even built (LOG_LEVEL=warn in production)
    }
    log.info(
      {
        method: request.method,
        path: route,
        status: end.status,
        durationMs: Math.round(durationMs * 1000) / 1000,
        keyId: principal?.keyId ?? undefined,
        userId: principal?.userId,
        model: model === '' ? undefined : model,
        ttftMs: end.ttftMs === undefined ? undefined : Math.round(end.ttftMs),
        promptTokens: end.promptTokens,
        completionTokens: end.completionTokens,
        outcome: end.refused === true ? 'limited' : end.outcome,
      },
      'request done',
    )
  }
}

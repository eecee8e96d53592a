import type { ServerResponse } from 'node:http'
import { toAnthropicSseErrorFrame } from '../http/anthropic-error-body.js'
import { toResponsesSseErrorFrame, toSseErrorFrame } from '../http/error-body.js'
import type { GatewayError } from '../http/gateway-error.js'
import type { UpstreamResponse } from '../upstream/upstream-pool.js'
import type { BodyObserver } from './body-observer.js'
import { EventStreamObserver } from './event-stream-observer.js'
import { toClientHeaders } from './forward-headers.js'
import { JsonUsageTail } from './json-usage-tail.js'
import type { ProxyRoute, StreamKind } from './proxy-routes.js'
import { readWholeBody } from './read-whole-body.js'
import { type RelayOutcome, relayBody } from './sse-relay.js'
import { SseScanner } from './sse-scanner.js'
import type { TokenUsage } from './token-usage.js'

/**
 * A non-streaming answer with a declared length up to this size is read whole and sent with its headers in one
 * write: the client cannot use half a JSON document, and relaying it chunk by chunk costs more than the copy.
 */
const WHOLE_ANSWER_MAX_BYTES = 256 * 1024

/** How the engine's successful answer reached the client. */
export interface AnswerEnding {
  readonly outcome: RelayOutcome
  readonly usage: TokenUsage | undefined
  /** Milliseconds from the request's arrival to the first SSE frame. */
  readonly ttftMs?: number
  /** What broke the answer off, when the engine failed mid-body. */
  readonly failure?: GatewayError
}

export interface AnswerContext {
  /** How the route's answers carry usage, stream, and report a failure mid-stream. */
  readonly route: ProxyRoute
  readonly requestId: string
  /** performance.now() when the request arrived. */
  readonly startedAt: number
  /** Whether the gateway added include_usage, so the engine's usage frame is cut from what the client gets. */
  readonly stripUsage: boolean
  /** True once the client has left. */
  clientGone(): boolean
  /** The error the client is told about for a failed engine body (timeouts, resets). */
  toFailure(err: unknown): GatewayError
  /** Called exactly once, when the answer has ended however it ended. */
  onEnd(ending: AnswerEnding): void
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

/**
 * Sends the engine's 2xx answer to the client: small JSON answers whole, everything else relayed chunk by chunk.
 * Rejects only before anything was written (a small answer that broke off), so the caller can still answer
 * with an error.
 */
export async function sendEngineAnswer(
  res: UpstreamResponse,
  client: ServerResponse,
  context: AnswerContext,
): Promise<void> {
  if (isSentWhole(res)) {
    await answerWhole(res, client, context)
  } else {
    relayAnswer(res, client, context)
  }
}

async function answerWhole(
  res: UpstreamResponse,
  client: ServerResponse,
  context: AnswerContext,
): Promise<void> {
  let bytes: Uint8Array
  try {
    bytes = await readWholeBody(res.body)
  } catch (err) {
    // Nothing has reached the client yet, so it gets a proper error instead of a cut body.
    throw context.clientGone() ? err : context.toFailure(err)
  }
  const observer = new JsonUsageTail(context.route.readUsage)
  observer.push(bytes)
  observer.finish()
  const headers = toClientHeaders(res.headers, {
    requestId: context.requestId,
    bodyRewritten: false,
  })
  client.writeHead(res.status, headers).end(bytes)
  context.onEnd({ outcome: 'completed', usage: observer.usage })
}

/** The error event a stream of this kind ends with when the engine fails mid-stream. */
const STREAM_ERROR_FRAME: Record<StreamKind, (e: GatewayError, requestId: string) => string> = {
  data: toSseErrorFrame,
  anthropic: toAnthropicSseErrorFrame,
  responses: toResponsesSseErrorFrame,
}

function streamObserver(context: AnswerContext, onFirstFrame: () => void): BodyObserver {
  const kind = context.route.stream
  return kind === 'data'
    ? new SseScanner({ stripUsage: context.stripUsage, onFirstFrame })
    : new EventStreamObserver({ dialect: kind, onFirstFrame })
}

function relayAnswer(res: UpstreamResponse, client: ServerResponse, context: AnswerContext): void {
  const { startedAt, requestId, route } = context
  const isSse = isEventStream(res)
  let ttftMs: number | undefined
  const observer: BodyObserver = isSse
    ? streamObserver(context, () => {
        ttftMs = performance.now() - startedAt
      })
    : new JsonUsageTail(route.readUsage)
  let failure: GatewayError | undefined
  const headers = toClientHeaders(res.headers, {
    requestId,
    bodyRewritten: isSse && context.stripUsage,
  })
  if (isSse) {
    headers['x-accel-buffering'] = 'no' // nginx (and ingress-nginx) would otherwise buffer the stream
  }
  client.writeHead(res.status, headers)
  if (isSse && res.body.bufferedBytes === 0) {
    // The engine sent its headers before the first token (vLLM does, then prefills): the client learns at once
    // that its stream began. When the first frame came with the headers they leave together, in one write.
    client.flushHeaders()
  }
  relayBody({
    source: res.body,
    sink: client,
    observer,
    clientGone: () => context.clientGone(),
    errorFrame: (err) => {
      failure = context.toFailure(err)
      return STREAM_ERROR_FRAME[route.stream](failure, requestId)
    },
    onEnd: (outcome) => {
      context.onEnd({ outcome, usage: observer.usage, ttftMs, failure })
    },
  })
}

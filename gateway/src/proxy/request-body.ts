import { decodeUtf8Body } from '../http/body-text.js'
import { GatewayError } from '../http/gateway-error.js'
import { applySplices, type ObjectSpans, objectSpans, type Splice } from './json-members.js'

/**
 * The inference request body: read once, parsed once, and checked only for what the gateway needs (`model`,
 * `stream`, `stream_options`); the engine validates the rest. What goes upstream is the client's bytes, with
 * at most two surgical edits.
 */

export interface InferenceRequest {
  readonly kind: 'json'
  /** The client's bytes, untouched. */
  readonly bytes: Uint8Array
  readonly model: string
  readonly isStream: boolean
  /** `stream_options` as sent: absent/null, or an object and its `include_usage` (undefined when the key is absent). */
  readonly streamOptions: { readonly includeUsage: boolean | null | undefined } | null
  /** The body has a top-level `stream_options` member (even a null one). */
  readonly hasStreamOptions: boolean
  /**
   * The completion the client allows: `max_completion_tokens`, else `max_tokens`, else `max_output_tokens`
   * (Responses), when a number; undefined otherwise. Only the limits' token estimate reads it.
   */
  readonly maxTokens: number | undefined
}

function numberMember(body: Record<string, unknown>, name: string): number | undefined {
  const v = body[name]
  return typeof v === 'number' ? v : undefined
}

function invalid(message: string, param: string | null = null, cause?: unknown): GatewayError {
  return new GatewayError('invalid_request', { message, param, cause })
}

/**
 * Throws a 400 `invalid_request` for bytes that are not UTF-8 JSON with a string `model`, or that `check` (the
 * route's own rule) refuses.
 */
export function parseInferenceBody(
  bytes: Uint8Array,
  check?: (body: Record<string, unknown>) => void,
): InferenceRequest {
  const text = decodeUtf8Body(bytes)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw invalid(
      `We could not parse the JSON body of your request (${err instanceof Error ? err.message : 'syntax error'}).`,
      null,
      err,
    )
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid('The request body must be a JSON object.')
  }
  const body = json as Record<string, unknown>
  const model = body.model
  if (model === undefined || model === null) {
    throw invalid('You must provide a model parameter.', 'model')
  }
  if (typeof model !== 'string') {
    throw wrongType('model', 'a string')
  }
  const stream = body.stream
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    throw wrongType('stream', 'a boolean')
  }
  check?.(body)
  return {
    kind: 'json',
    bytes,
    model,
    isStream: stream === true,
    streamOptions: readStreamOptions(body.stream_options),
    hasStreamOptions: Object.hasOwn(body, 'stream_options'),
    maxTokens:
      numberMember(body, 'max_completion_tokens') ??
      numberMember(body, 'max_tokens') ??
      numberMember(body, 'max_output_tokens'),
  }
}

/** `stream_options`: absent or null, else an object whose `include_usage` is absent, null or a boolean. */
function readStreamOptions(value: unknown): InferenceRequest['streamOptions'] {
  if (value === undefined || value === null) {
    return null
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw wrongType('stream_options', 'an object')
  }
  const includeUsage = (value as Record<string, unknown>).include_usage
  if (includeUsage !== undefined && includeUsage !== null && typeof includeUsage !== 'boolean') {
    throw wrongType('stream_options.include_usage', 'a boolean')
  }
  return { includeUsage }
}

function wrongType(param: string, expected: string): GatewayError {
  return invalid(`Invalid type for '${param}': expected ${expected}.`, param)
}

export interface UpstreamBodyOptions {
  /** Sent to the engine as `model`. */
  readonly upstreamModel: string
  /**
   * Whether the engine sends the usage frame for `stream_options: {}` (vLLM defaults include_usage to true,
   * llama.cpp and OpenAI to false; docs/engines.md §2). Then a client that sent `{}` already asked for usage.
   */
  readonly usageDefaultsOn: boolean
  /** Whether the route takes `stream_options` (chat and completions; the other APIs have no such field). */
  readonly injectsUsage: boolean
}

export interface UpstreamBody {
  readonly bytes: Uint8Array
  /** True when the gateway asked for the usage frame the client did not: the relay must remove it. */
  readonly injectedUsage: boolean
}

/** Added to an object that has at least one member (`model` is required). */
const INCLUDE_USAGE_MEMBER = ',"stream_options":{"include_usage":true}'

/** The offset of the top-level object's `}`: JSON.parse accepted an object, so it is the last non-space byte. */
function closingBrace(bytes: Uint8Array): number {
  let at = bytes.byteLength - 1
  while (
    at >= 0 &&
    (bytes[at] === 0x20 || bytes[at] === 0x09 || bytes[at] === 0x0a || bytes[at] === 0x0d)
  ) {
    at--
  }
  if (bytes[at] !== 0x7d) {
    throw new Error('parsed body does not end its object with }')
  }
  return at
}

/** Did the client ask for the usage frame (so it must see it)? */
function clientWantsUsage(req: InferenceRequest, usageDefaultsOn: boolean): boolean {
  const so = req.streamOptions
  if (so === null) {
    return false
  }
  return so.includeUsage === undefined ? usageDefaultsOn : so.includeUsage === true
}

/** Edits that turn on `stream_options.include_usage` in the client's bytes. */
function usageSplice(bytes: Uint8Array, req: InferenceRequest, top: ObjectSpans): Splice {
  const so = top.members.get('stream_options')
  if (so === undefined) {
    // `model` exists, so the object has a member before the closing brace.
    return { start: top.close, end: top.close, text: INCLUDE_USAGE_MEMBER }
  }
  if (req.streamOptions === null) {
    return { start: so.valueStart, end: so.valueEnd, text: '{"include_usage":true}' }
  }
  const inner = objectSpans(bytes, so.valueStart)
  const current = inner.members.get('include_usage')
  if (current !== undefined) {
    return { start: current.valueStart, end: current.valueEnd, text: 'true' }
  }
  const at = inner.open + 1
  return {
    start: at,
    end: at,
    text: inner.members.size > 0 ? '"include_usage":true,' : '"include_usage":true',
  }
}

/** The bytes to send upstream: the client's own when nothing needs changing. */
export function buildUpstreamBody(
  req: InferenceRequest,
  options: UpstreamBodyOptions,
): UpstreamBody {
  const renames = req.model !== options.upstreamModel
  const injectsUsage =
    options.injectsUsage && req.isStream && !clientWantsUsage(req, options.usageDefaultsOn)
  if (!renames && !injectsUsage) {
    return { bytes: req.bytes, injectedUsage: false }
  }
  if (!renames && !req.hasStreamOptions) {
    // The usual streaming request: the member goes before the closing brace, found from the end without
    // scanning the body (prompts can be megabytes; the scan costs more than JSON.parse).
    const close = closingBrace(req.bytes)
    return {
      bytes: applySplices(req.bytes, [{ start: close, end: close, text: INCLUDE_USAGE_MEMBER }]),
      injectedUsage: true,
    }
  }
  const top = objectSpans(req.bytes)
  const splices: Splice[] = []
  if (renames) {
    const model = top.members.get('model')
    if (model === undefined) {
      throw new Error('parsed body lost its model member')
    }
    splices.push({
      start: model.valueStart,
      end: model.valueEnd,
      text: JSON.stringify(options.upstreamModel),
    })
  }
  if (injectsUsage) {
    splices.push(usageSplice(req.bytes, req, top))
  }
  return { bytes: applySplices(req.bytes, splices), injectedUsage: injectsUsage }
}

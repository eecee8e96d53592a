/** The one table of errors the gateway sends. Status and type always come from here. */
export const ERRORS = {
  invalid_request: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The request is invalid.',
  },
  missing_api_key: {
    status: 401,
    type: 'invalid_request_error',
    message:
      "You didn't provide an API key. Provide it in an Authorization header using Bearer auth (Authorization: Bearer YOUR_KEY), or as x-api-key: YOUR_KEY.",
  },
  invalid_api_key: {
    status: 401,
    type: 'invalid_request_error',
    message: 'Incorrect API key provided.',
  },
  invalid_session: {
    status: 401,
    type: 'invalid_request_error',
    message: 'Your session has expired; log in again.',
  },
  invalid_credentials: {
    status: 401,
    type: 'invalid_request_error',
    message: 'Incorrect username or password.',
  },
  insufficient_permissions: {
    status: 403,
    type: 'permission_error',
    message: 'This credential does not have permission for this action.',
  },
  /** The API key has an address allowlist (`allowed_ips`) and the client's address is not in it. */
  ip_not_allowed: {
    status: 403,
    type: 'permission_error',
    message: 'This API key may not be used from your network address.',
  },
  password_change_required: {
    status: 403,
    type: 'permission_error',
    message:
      'You must change your password before using this session: POST /auth/update-password (the UI asks for it).',
  },
  not_found: { status: 404, type: 'invalid_request_error', message: 'Not found.' },
  model_not_found: {
    status: 404,
    type: 'invalid_request_error',
    message: 'The model does not exist or you do not have access to it.',
  },
  /** The model exists and may be used, but its engine does not serve this route (models/model-routes.ts). */
  unsupported_route: {
    status: 404,
    type: 'invalid_request_error',
    message: 'This model does not serve this route.',
  },
  method_not_allowed: {
    status: 405,
    type: 'invalid_request_error',
    message: 'Method not allowed.',
  },
  request_timeout: {
    status: 408,
    type: 'invalid_request_error',
    message: 'The request was not received in time.',
  },
  conflict: { status: 409, type: 'invalid_request_error', message: 'The resource already exists.' },
  request_too_large: {
    status: 413,
    type: 'invalid_request_error',
    message: 'The request body is too large.',
  },
  unsupported_media_type: {
    status: 415,
    type: 'invalid_request_error',
    message: "Unsupported media type: send 'application/json'.",
  },
  validation_error: {
    status: 422,
    type: 'invalid_request_error',
    message: 'The request failed validation.',
  },
  /** A login throttle, or a key's or user's rpm, tpm or parallel limit (limits/, docs/limits.md). */
  rate_limit_exceeded: {
    status: 429,
    type: 'requests',
    message: 'Too many requests; retry later.',
  },
  /** A key's or user's token budget for its period is spent; OpenAI's code and type for a spent quota. */
  insufficient_quota: {
    status: 429,
    type: 'insufficient_quota',
    message: 'The token budget of this API key or its user is used up for this period.',
  },
  request_headers_too_large: {
    status: 431,
    type: 'invalid_request_error',
    message: 'The request headers are too large.',
  },
  /** nginx's convention: recorded in metrics and the access line for a client that left; nobody reads the body. */
  client_closed_request: {
    status: 499,
    type: 'invalid_request_error',
    message: 'The client closed the request.',
  },
  internal_error: { status: 500, type: 'server_error', message: 'Internal error.' },
  upstream_error: {
    status: 502,
    type: 'server_error',
    message: 'The model server failed to answer.',
  },
  upstream_unavailable: {
    status: 503,
    type: 'service_unavailable_error',
    message: 'No healthy model server is available; retry later.',
  },
  database_unavailable: {
    status: 503,
    type: 'service_unavailable_error',
    message: 'The gateway cannot reach its database; retry later.',
  },
  upstream_timeout: { status: 504, type: 'server_error', message: 'The model server timed out.' },
  /** An engine's own 4xx answer, relayed with its status, type and code (upstream/upstream-error.ts). */
  upstream_rejected: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The model server rejected the request.',
  },
} as const satisfies Record<string, { status: number; type: string; message: string }>

export type ErrorCode = keyof typeof ERRORS
export type ErrorStatus = (typeof ERRORS)[ErrorCode]['status']

export interface GatewayErrorOptions {
  message?: string
  param?: string | null
  cause?: unknown
  /** Seconds for the Retry-After header (429, 503). */
  retryAfterSeconds?: number
}

export interface UpstreamRejection {
  status: number
  type: string
  code: string | null
  message: string
  param: string | null
}

export class GatewayError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly type: string
  readonly param: string | null
  readonly retryAfterSeconds: number | undefined
  /** The `code` written in the body; differs from `code` only for relayed engine rejections. */
  readonly bodyCode: string | null

  constructor(code: ErrorCode, options: GatewayErrorOptions = {}, relayed?: UpstreamRejection) {
    const status = relayed?.status ?? ERRORS[code].status
    // A 4xx is an answer, not a fault: its stack is never logged, and capturing one costs about 6 µs, which a
    // flood of bad keys pays per request. 5xx keep theirs (and their cause's) for the error log.
    const stackTraceLimit = Error.stackTraceLimit
    if (status < 500) {
      Error.stackTraceLimit = 0
    }
    super(
      options.message ?? ERRORS[code].message,
      options.cause === undefined ? undefined : { cause: options.cause },
    )
    Error.stackTraceLimit = stackTraceLimit
    this.name = 'GatewayError'
    this.code = code
    this.status = status
    this.type = relayed?.type ?? ERRORS[code].type
    this.param = options.param ?? null
    this.retryAfterSeconds = options.retryAfterSeconds
    this.bodyCode = relayed === undefined ? code : relayed.code
  }

  /** An engine's 4xx, keeping its status (400 stays 400) with the engine's message in our envelope. */
  static upstreamRejected(r: UpstreamRejection): GatewayError {
    return new GatewayError('upstream_rejected', { message: r.message, param: r.param }, r)
  }
}

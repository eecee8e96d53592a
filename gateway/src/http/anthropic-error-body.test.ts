import { describe, expect, it } from 'vitest'
import {
  anthropicErrorType,
  toAnthropicErrorBody,
  toAnthropicSseErrorFrame,
} from './anthropic-error-body.js'
import { GatewayError } from './gateway-error.js'

describe("Anthropic's rendering of a GatewayError", () => {
  it.each([
    ['invalid_request', 400, 'invalid_request_error'],
    ['invalid_api_key', 401, 'authentication_error'],
    ['insufficient_permissions', 403, 'permission_error'],
    ['model_not_found', 404, 'not_found_error'],
    ['unsupported_route', 404, 'not_found_error'],
    ['request_too_large', 413, 'request_too_large'],
    ['unsupported_media_type', 415, 'invalid_request_error'],
    ['rate_limit_exceeded', 429, 'rate_limit_error'],
    ['internal_error', 500, 'api_error'],
    ['upstream_error', 502, 'api_error'],
    ['upstream_unavailable', 503, 'overloaded_error'],
    ['upstream_timeout', 504, 'api_error'],
  ] as const)('writes %s (%i) as %s, with the same status', (code, status, type) => {
    const e = new GatewayError(code)
    expect(e.status).toBe(status)
    expect(toAnthropicErrorBody(e, 'rid')).toEqual({
      type: 'error',
      error: {
        type,
        message: code === 'internal_error' ? 'Internal error (request id rid).' : e.message,
      },
      request_id: 'rid',
    })
  })

  it("types an engine's relayed 4xx by its status", () => {
    const e = GatewayError.upstreamRejected({
      status: 429,
      type: 'requests',
      code: null,
      message: 'slow down',
      param: null,
    })
    expect(toAnthropicErrorBody(e, 'r').error).toEqual({
      type: 'rate_limit_error',
      message: 'slow down',
    })
    expect(anthropicErrorType(422)).toBe('invalid_request_error')
    expect(anthropicErrorType(529)).toBe('overloaded_error')
  })

  it('makes an SSE error event of it for a stream that broke off', () => {
    expect(toAnthropicSseErrorFrame(new GatewayError('upstream_error'), 'r')).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"The model server failed to answer."},"request_id":"r"}\n\n',
    )
  })
})

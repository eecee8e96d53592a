import { errors } from 'undici'
import { describe, expect, it } from 'vitest'
import { toErrorBody } from '../http/error-body.js'
import { fromEngineResponse, fromTransportError } from './upstream-error.js'

function mapped(status: number, body: string, retryAfter?: string) {
  const e = fromEngineResponse({ status, body, retryAfter })
  return { status: e.status, headerRetryAfter: e.retryAfterSeconds, ...toErrorBody(e, 'rid').error }
}

describe('fromEngineResponse', () => {
  it.each([
    [
      'vLLM context too long keeps 400 and its message, code context_length_exceeded',
      400,
      '{"error":{"message":"This model\'s maximum context length is 8192 tokens. However, your request has 9001 input tokens.","type":"BadRequestError","param":"input_tokens","code":400}}',
      {
        status: 400,
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        param: 'input_tokens',
        message:
          "This model's maximum context length is 8192 tokens. However, your request has 9001 input tokens.",
      },
    ],
    [
      'vLLM 404 NotFoundError becomes model_not_found',
      404,
      '{"error":{"message":"The model `x` does not exist.","type":"NotFoundError","param":"model","code":404}}',
      {
        status: 404,
        type: 'invalid_request_error',
        code: 'model_not_found',
        param: 'model',
        message: 'The model `x` does not exist.',
      },
    ],
    [
      'old flat vLLM shape',
      400,
      '{"object":"error","message":"bad temperature","type":"BadRequestError","param":null,"code":400}',
      {
        status: 400,
        type: 'invalid_request_error',
        code: null,
        param: null,
        message: 'bad temperature',
      },
    ],
    [
      'llama.cpp exceed_context_size_error',
      400,
      '{"error":{"code":400,"message":"request (9001 tokens) exceeds the available context size (8192 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":9001,"n_ctx":8192}}',
      {
        status: 400,
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        param: null,
        message:
          'request (9001 tokens) exceeds the available context size (8192 tokens), try increasing it',
      },
    ],
    [
      'FastAPI detail',
      422,
      '{"detail":[{"loc":["body","messages"],"msg":"Field required"}]}',
      {
        status: 422,
        type: 'invalid_request_error',
        code: null,
        param: null,
        message: 'Field required',
      },
    ],
    [
      'a non-JSON 4xx',
      400,
      '<html>no</html>',
      { status: 400, code: null, message: 'The model server rejected the request (HTTP 400).' },
    ],
    [
      'a 4xx with a string code keeps it',
      400,
      '{"error":{"message":"nope","type":"invalid_request_error","code":"bad_thing"}}',
      { status: 400, code: 'bad_thing', message: 'nope' },
    ],
  ])('%s', (_, status, body, expected) => {
    expect(mapped(status, body)).toMatchObject(expected)
  })

  it.each([
    [401, '{"error":"Unauthorized"}'],
    [401, '{"error":{"message":"Invalid API Key","type":"authentication_error","code":401}}'],
    [403, '{"error":{"message":"Forbidden","type":"permission_error","code":403}}'],
  ])(
    'turns the engine refusing our credentials (%i) into 502 without its words',
    (status, body) => {
      const e = mapped(status, body)
      expect(e).toMatchObject({ status: 502, type: 'server_error', code: 'upstream_error' })
      expect(e.message).not.toMatch(/Unauthorized|Invalid API Key|Forbidden/)
    },
  )

  it('turns a 500 into 502 upstream_error, keeping the reason', () => {
    const e = mapped(
      500,
      '{"error":{"code":500,"message":"audio input is not supported","type":"server_error"}}',
    )
    expect(e).toMatchObject({ status: 502, code: 'upstream_error', type: 'server_error' })
    expect(e.message).toContain('audio input is not supported')
  })

  it('passes 503 through as upstream_unavailable with the engine message and a Retry-After', () => {
    const e = mapped(
      503,
      '{"error":{"message":"Loading model","type":"unavailable_error","code":503}}',
      '7',
    )
    expect(e).toMatchObject({
      status: 503,
      code: 'upstream_unavailable',
      type: 'service_unavailable_error',
    })
    expect(e.message).toContain('Loading model')
    expect(e.headerRetryAfter).toBe(7)
  })

  it('passes 504 through as upstream_timeout', () => {
    expect(mapped(504, 'gateway timeout')).toMatchObject({ status: 504, code: 'upstream_timeout' })
  })

  it('flattens and bounds a long multi-line message', () => {
    const e = mapped(
      400,
      JSON.stringify({ error: { message: `line1\nline2 ${'x'.repeat(5000)}` } }),
    )
    expect(e.message).not.toContain('\n')
    expect(e.message.length).toBeLessThan(1100)
  })
})

describe('fromTransportError', () => {
  const timeouts = { headersMs: 100, idleMs: 200 }
  it('maps a headers timeout to 504', () => {
    expect(fromTransportError(new errors.HeadersTimeoutError(), timeouts).status).toBe(504)
  })
  it('maps an idle body timeout to 504', () => {
    expect(fromTransportError(new errors.BodyTimeoutError(), timeouts).status).toBe(504)
  })
  it('maps a refused connection to 502 upstream_error', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    const e = fromTransportError(refused, timeouts)
    expect(e.status).toBe(502)
    expect(e.code).toBe('upstream_error')
  })
})

import { describe, expect, it } from 'vitest'
import { toClientHeaders, toEngineHeaders } from './forward-headers.js'

describe('toEngineHeaders', () => {
  const client = {
    authorization: 'Bearer kg_client_secret',
    cookie: 'keygate_session=abc',
    'x-api-key': 'kg_other',
    connection: 'keep-alive, x-hop',
    'x-hop': '1',
    'keep-alive': 'timeout=5',
    'proxy-authorization': 'Basic x',
    'transfer-encoding': 'chunked',
    host: 'gateway.example',
    'content-length': '999',
    'accept-encoding': 'gzip',
    'x-request-id': 'client-id',
    'content-type': 'application/json',
    accept: 'text/event-stream',
    'user-agent': 'OpenAI/JS 6',
  }

  it("strips the client's credentials and hop-by-hop headers, and sets ours", () => {
    const out = toEngineHeaders(client, {
      requestId: 'rid',
      engineApiKey: 'engine-key',
      contentLength: 42,
      isJson: true,
    })
    expect(out).toEqual({
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'user-agent': 'OpenAI/JS 6',
      'content-length': '42',
      'x-request-id': 'rid',
      authorization: 'Bearer engine-key',
    })
  })

  it('sends no authorization when the instance has no key', () => {
    const out = toEngineHeaders(client, {
      requestId: 'rid',
      engineApiKey: null,
      contentLength: 1,
      isJson: true,
    })
    expect(out.authorization).toBeUndefined()
  })

  it('sends application/json when the client sent another type (curl -d)', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const out = toEngineHeaders(form, {
      requestId: 'r',
      engineApiKey: null,
      contentLength: 1,
      isJson: true,
    })
    expect(out['content-type']).toBe('application/json')
  })

  it("keeps a multipart upload's type and boundary, and its chunked framing when it had no length", () => {
    const form = {
      'content-type': 'multipart/form-data; boundary=xyz',
      'transfer-encoding': 'chunked',
      'x-api-key': 'kg_client',
      'anthropic-version': '2023-06-01',
    }
    const out = toEngineHeaders(form, {
      requestId: 'r',
      engineApiKey: null,
      contentLength: undefined,
      isJson: false,
    })
    expect(out).toEqual({
      'content-type': 'multipart/form-data; boundary=xyz',
      'anthropic-version': '2023-06-01',
      'x-request-id': 'r',
    })
  })
})

describe('toClientHeaders', () => {
  it('relays engine headers except hop-by-hop, CORS, cookies and its request id', () => {
    const out = toClientHeaders(
      {
        'content-type': 'text/event-stream',
        server: 'llama.cpp',
        'transfer-encoding': 'chunked',
        connection: 'keep-alive',
        'access-control-allow-origin': 'https://evil.example',
        'set-cookie': ['a=b'],
        'x-request-id': 'engine',
        'content-length': '10',
      },
      { requestId: 'rid', bodyRewritten: true },
    )
    expect(out).toEqual({
      'content-type': 'text/event-stream',
      server: 'llama.cpp',
      'x-request-id': 'rid',
    })
  })

  it('keeps content-length when the body is relayed unchanged', () => {
    const out = toClientHeaders(
      { 'content-length': '10' },
      { requestId: 'rid', bodyRewritten: false },
    )
    expect(out['content-length']).toBe('10')
  })
})

import { errors } from 'undici'
import { describe, expect, it } from 'vitest'
import { classifyTransportFailure } from './transport-failure.js'

function sysError(code: string): Error {
  return Object.assign(new Error(code), { code })
}

describe('classifyTransportFailure', () => {
  it('calls a refused or unroutable connection unreachable', () => {
    expect(classifyTransportFailure(sysError('ECONNREFUSED'))).toBe('unreachable')
    expect(classifyTransportFailure(sysError('EHOSTUNREACH'))).toBe('unreachable')
    expect(classifyTransportFailure(new errors.ConnectTimeoutError())).toBe('unreachable')
  })

  it('calls a connection closed before the answer a reset', () => {
    expect(classifyTransportFailure(new errors.SocketError('other side closed'))).toBe('reset')
    expect(classifyTransportFailure(sysError('ECONNRESET'))).toBe('reset')
  })

  it('does not retry timeouts, aborts or unknown errors', () => {
    expect(classifyTransportFailure(new errors.HeadersTimeoutError())).toBeUndefined()
    expect(classifyTransportFailure(new errors.RequestAbortedError())).toBeUndefined()
    expect(classifyTransportFailure(new Error('boom'))).toBeUndefined()
    expect(classifyTransportFailure('ECONNREFUSED')).toBeUndefined()
  })
})

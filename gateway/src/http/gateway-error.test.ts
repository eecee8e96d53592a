import { describe, expect, it } from 'vitest'
import { GatewayError } from './gateway-error.js'

const frames = (e: Error) =>
  (e.stack ?? '').split('\n').filter((l) => l.trimStart().startsWith('at '))

describe('GatewayError', () => {
  it('takes status and type from the table, and the message from the options', () => {
    const e = new GatewayError('invalid_api_key', { message: 'This API key is disabled.' })
    expect([e.status, e.type, e.message, e.bodyCode]).toEqual([
      401,
      'invalid_request_error',
      'This API key is disabled.',
      'invalid_api_key',
    ])
  })

  it('captures no stack for a 4xx, keeps one for a 5xx, and leaves the stack limit as it was', () => {
    const before = Error.stackTraceLimit
    expect(frames(new GatewayError('invalid_api_key'))).toEqual([])
    expect(frames(new GatewayError('upstream_unavailable')).length).toBeGreaterThan(0)
    expect(Error.stackTraceLimit).toBe(before)
    expect(frames(new Error('plain')).length).toBeGreaterThan(0)
  })
})

import { describe, expect, it } from 'vitest'
import { GatewayError } from '../http/gateway-error.js'
import { createMetrics } from '../observability/metrics.js'
import { type CredentialSource, identify, type KeyVerifier } from './identify.js'
import type { Principal } from './principal.js'

const KEY = 'kg_0123456789abcdef_0123456789abcdef0123456789abcdef'
const PRINCIPAL: Principal = {
  userId: 1,
  username: 'u',
  isAdmin: false,
  keyId: 7,
  scope: new Set(['inference']),
  allowedModelNames: null,
  limits: [],
  allowedAddresses: null,
}

/** A verifier that knows one key, and remembers what it was asked. */
function verifier(asked: string[]): KeyVerifier {
  return {
    verify: (token) => {
      asked.push(token)
      return token === KEY ? { ok: true, principal: PRINCIPAL } : { ok: false, reason: 'unknown' }
    },
  }
}

function source(headers: Record<string, string>): CredentialSource {
  return {
    method: 'POST',
    path: '/v1/messages',
    header: (name) => headers[name],
    remoteAddress: () => '127.0.0.1',
    setCookie: () => {},
  }
}

async function outcome(headers: Record<string, string>) {
  const asked: string[] = []
  const options = {
    keys: verifier(asked),
    sessions: { verify: async () => ({ ok: false, reason: 'invalid' }) as const },
    metrics: createMetrics(),
    clientAddressOf: (socket: string | undefined) => socket ?? 'unknown',
  }
  try {
    return { principal: await identify(source(headers), options), asked }
  } catch (err) {
    if (err instanceof GatewayError) {
      return { error: err, asked }
    }
    throw err
  }
}

describe('identify: API keys in Authorization or x-api-key', () => {
  it('takes the key from either header, or from both when they agree', async () => {
    expect((await outcome({ authorization: `Bearer ${KEY}` })).principal).toBe(PRINCIPAL)
    expect((await outcome({ 'x-api-key': KEY })).principal).toBe(PRINCIPAL)
    expect((await outcome({ authorization: `Bearer ${KEY}`, 'x-api-key': KEY })).principal).toBe(
      PRINCIPAL,
    )
  })

  it('refuses two different keys as ambiguous, without verifying either', async () => {
    const { error, asked } = await outcome({
      authorization: `Bearer ${KEY}`,
      'x-api-key': 'kg_other',
    })
    expect(error?.status).toBe(400)
    expect(error?.code).toBe('invalid_request')
    expect(error?.message).toContain('exactly one credential')
    expect(asked).toEqual([])
    // A non-Bearer Authorization beside x-api-key is refused without verifying either.
    const basic = await outcome({ authorization: 'Basic eDp5', 'x-api-key': KEY })
    expect(basic.error?.status).toBeGreaterThanOrEqual(400)
    expect(basic.asked).toEqual([])
  })

  it('refuses an empty x-api-key as malformed, and a missing key as missing', async () => {
    expect((await outcome({ 'x-api-key': ' ' })).error?.message).toContain('Malformed credentials')
    expect((await outcome({})).error?.code).toBe('missing_api_key')
  })
})

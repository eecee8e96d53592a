import { describe, expect, it } from 'vitest'
import type { GatewayError } from '../http/gateway-error.js'
import { refuseStoredResponseState } from './responses-state.js'

function refusal(body: Record<string, unknown>): GatewayError | undefined {
  try {
    refuseStoredResponseState(body)
  } catch (err) {
    return err as GatewayError
  }
  return undefined
}

describe('refuseStoredResponseState', () => {
  it('refuses the fields that name stored state, naming each', () => {
    expect(refusal({ previous_response_id: 'resp_1' })?.param).toBe('previous_response_id')
    expect(refusal({ conversation: { id: 'conv_1' } })?.param).toBe('conversation')
    expect(refusal({ background: true })?.param).toBe('background')
    expect(refusal({ background: true })?.status).toBe(400)
  })

  it('lets stateless requests through, store included', () => {
    expect(
      refusal({ input: 'hi', store: true, previous_response_id: null, background: false }),
    ).toBeUndefined()
  })
})

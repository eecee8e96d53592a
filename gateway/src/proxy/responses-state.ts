import { GatewayError } from '../http/gateway-error.js'

/**
 * The Responses API can keep state on the server (`store`, then `previous_response_id`, `conversation`,
 * `background` + polling, GET /v1/responses/{id}). An engine keeps it in its own memory, and the gateway
 * spreads requests over instances (and replicas) without knowing which one holds a response, so a request that
 * names stored state cannot be routed reliably: it is refused, with a 400 that says what to do instead.
 * `store` itself passes through (the engine may keep the response; it just cannot be read back here).
 */

const WHY =
  'Keygate spreads requests over several engine instances and keeps no Responses state, so stored responses cannot be referenced through it'

/** What a stateless client sends instead of each stateful field. */
const STATEFUL_FIELDS: readonly {
  field: string
  isSet: (v: unknown) => boolean
  instead: string
}[] = [
  {
    field: 'previous_response_id',
    isSet: (v) => v !== undefined && v !== null,
    instead: 'send the earlier turns in `input` instead',
  },
  {
    field: 'conversation',
    isSet: (v) => v !== undefined && v !== null,
    instead: 'send the earlier turns in `input` instead',
  },
  {
    field: 'background',
    isSet: (v) => v === true,
    instead: 'stream the response (`stream: true`) instead of polling for it',
  },
]

/** Throws a 400 naming the field when a Responses request refers to state the gateway cannot route to. */
export function refuseStoredResponseState(body: Record<string, unknown>): void {
  for (const { field, isSet, instead } of STATEFUL_FIELDS) {
    if (isSet(body[field])) {
      throw new GatewayError('invalid_request', {
        message: `\`${field}\` is not supported: ${WHY}; ${instead}.`,
        param: field,
      })
    }
  }
}

/** The 400 for the routes that read stored responses (GET /v1/responses/{id} and the like). */
export function storedResponsesUnsupported(): GatewayError {
  return new GatewayError('invalid_request', {
    message: `Stored responses are not available: ${WHY}. Send the earlier turns in \`input\` instead.`,
    param: 'response_id',
  })
}

import { GatewayError } from '../http/gateway-error.js'

/** Longest model name echoed back in the message (a client may send anything). */
const MAX_NAME_CHARS = 256

/**
 * One answer for "no such model" and "not yours": a key must not learn which names exist. Worded as
 * OpenAI words it (docs/engines.md §8).
 */
export function modelNotFound(name: string): GatewayError {
  const shown = name.length > MAX_NAME_CHARS ? `${name.slice(0, MAX_NAME_CHARS)}…` : name
  return new GatewayError('model_not_found', {
    message: `The model \`${shown}\` does not exist or you do not have access to it.`,
  })
}

/** The model may be used, but not on this route: its engine does not serve it (models/model-routes.ts). */
export function routeNotServed(name: string, route: string): GatewayError {
  return new GatewayError('unsupported_route', {
    message: `The model \`${name}\` does not serve ${route}; GET /v1/models lists the routes each model serves.`,
  })
}

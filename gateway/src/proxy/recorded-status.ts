import { ERRORS, type GatewayError } from '../http/gateway-error.js'
import type { RelayOutcome } from './sse-relay.js'

/** What the access log and metrics record for a request whose client went away (nginx's convention). */
export const CLIENT_CLOSED_STATUS = ERRORS.client_closed_request.status

/** The status recorded for how a relayed body ended (the status sent is fixed by then). */
export function recordedStatus(
  outcome: RelayOutcome,
  sent: number,
  failure: GatewayError | undefined,
): number {
  switch (outcome) {
    case 'completed':
      return sent
    case 'client_abort':
      return CLIENT_CLOSED_STATUS
    case 'engine_error':
      return 502
    case 'upstream_error':
      return failure?.status ?? 502
  }
}

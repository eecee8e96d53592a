import type { InstanceTarget } from '../models/model-registry.js'
import { classifyTransportFailure } from './transport-failure.js'
import type {
  UpstreamEndpoint,
  UpstreamPool,
  UpstreamRequest,
  UpstreamResponse,
} from './upstream-pool.js'

export type SendOutcome =
  | { readonly ok: true; readonly endpoint: UpstreamEndpoint; readonly res: UpstreamResponse }
  /** No instance can take requests (none configured, or all known to be down). */
  | { readonly ok: false }

/**
 * Picks an endpoint and sends; when the connection fails before the engine answered (nothing has reached the
 * client, and the body is still in memory), marks that address down and sends once more to the next best one
 *. A reset with no other address to go to is retried on the same one: a reused keep-alive
 * socket the engine was closing is the usual cause (docs/engines.md §5). Other failures (timeouts, aborts) and a
 * second failure reject with undici's error.
 */
export async function sendWithFailover(
  upstreams: UpstreamPool,
  instances: readonly InstanceTarget[],
  requestFor: (endpoint: UpstreamEndpoint) => UpstreamRequest,
): Promise<SendOutcome> {
  const first = upstreams.pick(instances)
  if (first === undefined) {
    return { ok: false }
  }
  const request = requestFor(first)
  try {
    return { ok: true, endpoint: first, res: await upstreams.send(first, request) }
  } catch (err) {
    const failure = classifyTransportFailure(err)
    if (failure === undefined || request.signal.aborted || request.canResend?.() === false) {
      throw err
    }
    const other = upstreams.pick(instances, first.address)
    if (failure === 'unreachable' || other !== undefined) {
      upstreams.markDown(first.address, err)
    }
    const next = other ?? (failure === 'reset' ? first : undefined)
    if (next === undefined) {
      throw err
    }
    return { ok: true, endpoint: next, res: await upstreams.send(next, requestFor(next)) }
  }
}

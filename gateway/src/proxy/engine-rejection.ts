import type { GatewayError } from '../http/gateway-error.js'
import type { UpstreamResponse } from '../upstream/upstream-pool.js'
import { readErrorBody } from './read-error-body.js'
import { fromEngineResponse } from './upstream-error.js'

/** The GatewayError for an engine's non-2xx answer, with the engine's reason read from its body. */
export async function engineRejection(res: UpstreamResponse): Promise<GatewayError> {
  const retryAfter = res.headers['retry-after']
  return fromEngineResponse({
    status: res.status,
    body: await readErrorBody(res.body),
    retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
  })
}

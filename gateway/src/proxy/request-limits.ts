import type { ServerResponse } from 'node:http'
import { GatewayError } from '../http/gateway-error.js'
import type { LimitSubject } from '../limits/limit-policy.js'
import type { LimitTicket } from '../limits/limit-store.js'
import type { AdmitResult, Limiter } from '../limits/limiter.js'

/** What the proxy needs to enforce limits: the replica's limiter and the completion to assume when unset. */
export interface RequestLimits {
  readonly limiter: Pick<Limiter, 'admit'>
  /** KEYGATE_LIMITS_DEFAULT_MAX_TOKENS: the completion reserved for a request that sets no max_tokens. */
  readonly defaultMaxTokens: number
}

/** A refusal by a limit: the exchange records it as `refused`, never as an error of the engine. */
export class LimitRefusal extends GatewayError {}

type Refused = Extract<AdmitResult, { ok: false }>

/**
 * Admits a limited request or throws its 429. Either way the `x-ratelimit-*` headers are set on the response
 * first, so whatever answer follows (the engine's, an error, the 429) carries them.
 */
export async function admitRequest(
  limits: RequestLimits,
  subjects: readonly LimitSubject[],
  estimatedTokens: number,
  res: ServerResponse,
): Promise<LimitTicket> {
  const admitted = limits.limiter.admit({ subjects, estimatedTokens })
  const result = admitted instanceof Promise ? await admitted : admitted
  const headers = result.headers
  for (const name in headers) {
    res.setHeader(name, headers[name] as string)
  }
  if (result.ok) {
    return result.ticket
  }
  throw refusal(result, subjects)
}

function refusal(r: Refused, subjects: readonly LimitSubject[]): LimitRefusal {
  const subject = subjects.find((s) => s.kind === r.subject)
  const whose = r.subject === 'user' ? 'your user' : 'this API key'
  const policy = subject?.policy
  const retry = r.retryAfterSeconds
  const after = retry === undefined ? '' : ` Retry after ${retry} s.`
  const options = (message: string) => ({
    message,
    ...(retry === undefined ? {} : { retryAfterSeconds: retry }),
  })
  switch (r.reason) {
    case 'budget':
      return new LimitRefusal(
        'insufficient_quota',
        options(
          `The token budget of ${whose} (${policy?.tokenBudget} tokens per ${policy?.budgetPeriod}) is used up; it renews when the period ends.${after}`,
        ),
      )
    case 'rpm':
      return new LimitRefusal(
        'rate_limit_exceeded',
        options(`Rate limit reached for ${whose}: ${policy?.rpm} requests per minute.${after}`),
      )
    case 'tpm':
      return new LimitRefusal(
        'rate_limit_exceeded',
        options(`Rate limit reached for ${whose}: ${policy?.tpm} tokens per minute.${after}`),
      )
    case 'parallel':
      return new LimitRefusal(
        'rate_limit_exceeded',
        options(
          `Too many requests in flight for ${whose}: at most ${policy?.maxParallel} at once. Retry when one has finished.`,
        ),
      )
    case 'unavailable':
      return new LimitRefusal(
        'rate_limit_exceeded',
        options(`Limits cannot be checked right now; the request was not sent.${after}`),
      )
  }
}

import type { LimitSubject } from './limit-policy.js'
import type { SubjectUsage } from './limit-store.js'
import { formatResetDuration } from './reset-duration.js'

export type RateLimitHeaders = Readonly<Record<string, string>>

export const NO_HEADERS: RateLimitHeaders = Object.freeze({})

/**
 * OpenAI's `x-ratelimit-*` headers for the minute limits that are set. When the key and its user both set one, the
 * headers describe the subject with less remaining (the one a client will hit first). Remaining never goes below 0.
 * Reset is the time until the window is back to its initial state, as OpenAI defines it.
 */
export function buildRateLimitHeaders(
  subjects: readonly LimitSubject[],
  usage: readonly SubjectUsage[],
  resetMs: number,
): RateLimitHeaders {
  let requestLimit = 0
  let requestsLeft = Number.POSITIVE_INFINITY
  let requestsUsed = 0
  let tokenLimit = 0
  let tokensLeft = Number.POSITIVE_INFINITY
  let tokensUsed = 0
  for (let i = 0; i < subjects.length; i++) {
    const policy = (subjects[i] as LimitSubject).policy
    const used = usage[i]
    if (used === undefined) {
      continue
    }
    if (policy.rpm !== null && policy.rpm - used.requests < requestsLeft) {
      requestLimit = policy.rpm
      requestsLeft = policy.rpm - used.requests
      requestsUsed = used.requests
    }
    if (policy.tpm !== null && policy.tpm - used.tokens < tokensLeft) {
      tokenLimit = policy.tpm
      tokensLeft = policy.tpm - used.tokens
      tokensUsed = used.tokens
    }
  }
  if (requestLimit === 0 && tokenLimit === 0) {
    return NO_HEADERS
  }
  const headers: Record<string, string> = {}
  if (requestLimit > 0) {
    headers['x-ratelimit-limit-requests'] = String(requestLimit)
    headers['x-ratelimit-remaining-requests'] = String(Math.max(0, Math.floor(requestsLeft)))
    headers['x-ratelimit-reset-requests'] = formatResetDuration(requestsUsed > 0 ? resetMs : 0)
  }
  if (tokenLimit > 0) {
    headers['x-ratelimit-limit-tokens'] = String(tokenLimit)
    headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, Math.floor(tokensLeft)))
    headers['x-ratelimit-reset-tokens'] = formatResetDuration(tokensUsed > 0 ? resetMs : 0)
  }
  return headers
}

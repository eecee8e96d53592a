import { useEffect, useState } from 'preact/hooks'
import { useSession } from '../../api/api-context.js'
import type { ApiKey, ApiKeyLimitUse } from '../../api-types.js'
import { describeLimits } from '../../lib/limit-form.js'

/**
 * The key's limits and its use of them in the current budget period (GET /v2/api-keys/{id}/limits), for the key
 * usage dialog. A key without limits of its own asks nothing.
 */
export function KeyLimitsSection({ apiKey }: { apiKey: ApiKey }) {
  const { api } = useSession()
  const [use, setUse] = useState<ApiKeyLimitUse | undefined>(undefined)
  const text = describeLimits(apiKey)
  useEffect(() => {
    if (text === '') {
      return
    }
    let live = true
    api
      .get<ApiKeyLimitUse>(`/v2/api-keys/${apiKey.id}/limits`)
      .then((u) => live && setUse(u))
      .catch(() => undefined) // the limits alone are still shown
    return () => {
      live = false
    }
  }, [api, apiKey.id, text])
  const n = (v: number) => v.toLocaleString('en-US')
  return (
    <section class="key-limits" data-slot="key-limits" aria-label="Limits">
      <h3>Limits</h3>
      {text === '' ? (
        <p class="muted">None of its own (its owner's limits may still apply).</p>
      ) : (
        <>
          <p>{text}</p>
          {use !== undefined && (
            <p data-testid="key-limit-use">
              This {use.budget_period} (since {use.period_start}): {n(use.requests)} requests,{' '}
              {n(use.tokens)}
              {use.token_budget === null ? '' : ` of ${n(use.token_budget)}`} tokens
              {use.refused > 0 ? `, ${n(use.refused)} refused by a limit` : ''}.
            </p>
          )}
        </>
      )}
    </section>
  )
}

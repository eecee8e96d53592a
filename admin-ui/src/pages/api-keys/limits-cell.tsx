import { useEffect, useState } from 'preact/hooks'
import { useSession } from '../../api/api-context.js'
import type { ApiKey, ApiKeyLimitUse } from '../../api-types.js'
import { describeLimits } from '../../lib/limit-form.js'

/**
 * A key's limits, and for a key with a token budget its use in the current period (GET /v2/api-keys/{id}/limits,
 * read once per key shown; a key without limits asks nothing).
 */
export function LimitsCell({ apiKey }: { apiKey: ApiKey }) {
  const { api } = useSession()
  const [use, setUse] = useState<ApiKeyLimitUse | undefined>(undefined)
  const text = describeLimits(apiKey)
  const hasBudget = apiKey.token_budget !== null
  useEffect(() => {
    if (!hasBudget) {
      return
    }
    let live = true
    api
      .get<ApiKeyLimitUse>(`/v2/api-keys/${apiKey.id}/limits`)
      .then((u) => live && setUse(u))
      .catch(() => undefined) // the cell just shows the limits
    return () => {
      live = false
    }
  }, [api, apiKey.id, hasBudget, apiKey.token_budget, apiKey.updated_at])
  if (text === '') {
    return (
      <td class="muted" data-label="Limits">
        None
      </td>
    )
  }
  return (
    <td data-label="Limits">
      <span class="cell-line">{text}</span>
      {use !== undefined && use.token_budget !== null && (
        <span class="cell-sub" data-testid="budget-use">
          {use.tokens.toLocaleString('en-US')} of {use.token_budget.toLocaleString('en-US')} tokens
          used this {use.budget_period}
          {use.refused > 0 ? `, ${use.refused.toLocaleString('en-US')} refused` : ''}
        </span>
      )}
    </td>
  )
}

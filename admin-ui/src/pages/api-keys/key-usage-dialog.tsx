import { useEffect, useMemo, useState } from 'preact/hooks'
import { errorMessage } from '../../api/api-client.js'
import { useSession } from '../../api/api-context.js'
import type { ApiKey, UsageReport } from '../../api-types.js'
import { ErrorMessage } from '../../components/alerts.js'
import { ChartView } from '../../components/chart.js'
import { Modal } from '../../components/modal.js'
import { formatDateTime } from '../../lib/format.js'
import { navigate } from '../../lib/router.js'
import {
  daysBetween,
  perDay,
  presetRange,
  tokensOf,
  totalsOf,
  usageQuery,
} from '../../lib/usage-data.js'
import { KeyLimitsSection } from './key-limits-section.js'

interface KeyUsageDialogProps {
  apiKey: ApiKey
  onClose: () => void
}

/** One key's last 30 days (tokens and requests per UTC day), when it was last used, and a link to the Usage page. */
export function KeyUsageDialog({ apiKey, onClose }: KeyUsageDialogProps) {
  const { api, user } = useSession()
  const [report, setReport] = useState<UsageReport | null>(null)
  const [error, setError] = useState<string | null>(null)
  // An admin may look at anyone's key: the owner is named, as /v2/usage wants for another user's keys.
  const userId = user.is_admin ? String(apiKey.user_id) : ''
  const filters = useMemo(
    () => ({ ...presetRange('30d', Date.now()), userId, apiKeyId: String(apiKey.id), model: '' }),
    [userId, apiKey.id],
  )

  useEffect(() => {
    api
      .get<UsageReport>(usageQuery(filters, 'day'))
      .then(setReport)
      .catch((err: unknown) => setError(errorMessage(err)))
  }, [api, filters])

  const days = useMemo(() => daysBetween(filters.from, filters.to), [filters])
  const series = useMemo(
    () =>
      report === null ? [] : [{ label: 'Tokens', data: perDay(report.items, days, tokensOf) }],
    [report, days],
  )
  const totals = report === null ? null : totalsOf(report.items)
  const search = `?api_key_id=${apiKey.id}${userId === '' ? '' : `&user_id=${userId}`}`

  return (
    <Modal title={`Usage of “${apiKey.name}”`} onClose={onClose} size="wide">
      <ErrorMessage>{error ?? undefined}</ErrorMessage>
      <p>
        Last used: <strong>{formatDateTime(apiKey.last_used_at, 'Never')}</strong>
      </p>
      {totals !== null && (
        <p class="muted" data-testid="key-usage-totals">
          Last 30 days: {totals.requests} requests, {totals.tokens} tokens, {totals.errors} errors
          {totals.cost === null ? '' : `, cost ${totals.cost} ${report?.currency ?? ''}`}
        </p>
      )}
      {report !== null && (
        <ChartView
          title="Tokens per day, last 30 days"
          labels={days}
          series={series}
          height={140}
          empty="not used in the last 30 days"
        />
      )}
      <KeyLimitsSection apiKey={apiKey} />
      <div class="form-actions">
        <a
          class="btn"
          href={`/usage${search}`}
          onClick={(e) => {
            if (e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey) {
              e.preventDefault()
              onClose()
              navigate('/usage', search)
            }
          }}
        >
          Open in Usage
        </a>
        <button type="button" class="btn btn-primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  )
}

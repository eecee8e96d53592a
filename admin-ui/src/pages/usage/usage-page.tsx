import { useEffect, useMemo, useState } from 'preact/hooks'
import { errorMessage, fetchAllPages } from '../../api/api-client.js'
import { useSession } from '../../api/api-context.js'
import type { ApiKey, Model, UsageReport, User } from '../../api-types.js'
import { ErrorMessage } from '../../components/alerts.js'
import {
  presetRange,
  type RangePreset,
  totalsOf,
  type UsageFilters,
  usageQuery,
} from '../../lib/usage-data.js'
import { UsageCharts } from './usage-charts.js'
import { UsageFiltersBar } from './usage-filters.js'
import { TABLE_GROUPINGS, type TableGrouping, UsageTable } from './usage-table.js'

/** ?api_key_id=N (and ?user_id= for admins), as the API Keys page links here. */
function initialFilters(isAdmin: boolean): UsageFilters {
  const params = new URLSearchParams(window.location.search)
  const keyId = params.get('api_key_id') ?? ''
  const userId = params.get('user_id') ?? ''
  return {
    ...presetRange('30d', Date.now()),
    userId: isAdmin ? (/^\d+$/.test(userId) ? userId : '*') : '',
    apiKeyId: /^\d+$/.test(keyId) ? keyId : '',
    model: '',
  }
}

const FINE = 'day,api_key,model'

export function UsagePage() {
  const { api, user } = useSession()
  const [preset, setPreset] = useState<RangePreset>('30d')
  const [filters, setFilters] = useState<UsageFilters>(() => initialFilters(user.is_admin))
  const [grouping, setGrouping] = useState<TableGrouping>('day,model')
  const [sortBy, setSortBy] = useState('')
  const [fine, setFine] = useState<UsageReport | null>(null)
  const [lines, setLines] = useState<UsageReport | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [users, setUsers] = useState<User[]>([])
  const [keys, setKeys] = useState<ApiKey[]>([])
  const [models, setModels] = useState<Model[]>([])

  useEffect(() => {
    const keysPath = user.is_admin ? '/v2/api-keys?user_id=*' : '/v2/api-keys'
    fetchAllPages<ApiKey>(api, keysPath)
      .then(setKeys)
      .catch(() => setKeys([]))
    fetchAllPages<Model>(api, '/v2/models')
      .then(setModels)
      .catch(() => setModels([]))
    if (user.is_admin) {
      fetchAllPages<User>(api, '/v2/users')
        .then(setUsers)
        .catch(() => setUsers([]))
    }
  }, [api, user.is_admin])

  const tableQuery = usageQuery(filters, grouping, sortBy === '' ? {} : { sort_by: sortBy })
  useEffect(() => {
    let live = true
    setError(null)
    Promise.all([api.get<UsageReport>(usageQuery(filters, FINE)), api.get<UsageReport>(tableQuery)])
      .then(([f, l]) => {
        if (live) {
          setFine(f)
          setLines(l)
        }
      })
      .catch((err: unknown) => live && setError(errorMessage(err)))
    return () => {
      live = false
    }
  }, [api, filters, tableQuery])

  const userNames = useMemo(
    () => (user.is_admin ? new Map(users.map((u) => [u.id, u.username])) : null),
    [user.is_admin, users],
  )
  const totals = fine === null ? null : totalsOf(fine.items)

  function choosePreset(next: RangePreset) {
    setPreset(next)
    if (next !== 'custom') {
      setFilters((f) => ({ ...f, ...presetRange(next, Date.now()) }))
    }
  }

  return (
    <section aria-labelledby="usage-title">
      <div class="page-head">
        <div>
          <p class="breadcrumb">Resources</p>
          <h1 id="usage-title">Usage</h1>
        </div>
      </div>
      <UsageFiltersBar
        preset={preset}
        filters={filters}
        isAdmin={user.is_admin}
        users={users}
        keys={keys}
        models={models}
        onPreset={choosePreset}
        onChange={(patch) => setFilters((f) => ({ ...f, ...patch }))}
      />
      <ErrorMessage>{error ?? undefined}</ErrorMessage>
      {fine !== null && totals !== null && (
        <>
          <p class="muted small" data-testid="usage-range">
            {fine.from} to {fine.to} (UTC days)
          </p>
          <dl class="usage-totals" aria-label="Totals">
            <div>
              <dt>Requests</dt>
              <dd data-total="requests">{totals.requests}</dd>
            </div>
            <div>
              <dt>Tokens</dt>
              <dd data-total="tokens">{totals.tokens}</dd>
            </div>
            <div>
              <dt>Errors</dt>
              <dd data-total="errors">{totals.errors}</dd>
            </div>
            <div>
              <dt>Cost ({fine.currency})</dt>
              <dd data-total="cost">{totals.cost === null ? '—' : String(totals.cost)}</dd>
            </div>
          </dl>
          <UsageCharts
            items={fine.items}
            from={fine.from}
            to={fine.to}
            currency={fine.currency}
            userNames={userNames}
          />
        </>
      )}
      {lines !== null && (
        <UsageTable
          items={lines.items}
          grouping={grouping in TABLE_GROUPINGS ? grouping : 'day,model'}
          sortBy={sortBy}
          currency={lines.currency}
          csvHref={usageQuery(filters, grouping, {
            ...(sortBy === '' ? {} : { sort_by: sortBy }),
            format: 'csv',
          })}
          onGrouping={(g) => {
            setGrouping(g)
            setSortBy('')
          }}
          onSort={setSortBy}
        />
      )}
    </section>
  )
}

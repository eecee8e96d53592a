import { useEffect, useState } from 'preact/hooks'
import type { AuditEvent } from '../../api-types.js'
import { ErrorMessage } from '../../components/alerts.js'
import { PaginationBar } from '../../components/pagination.js'
import {
  type AuditFilters,
  auditApiPath,
  auditFiltersQuery,
  parseAuditFilters,
} from '../../lib/audit-view.js'
import { locationPath } from '../../lib/router.js'
import { usePageQuery } from '../../lib/use-page-query.js'
import { AuditFiltersBar } from './audit-filters.js'
import { AuditTable } from './audit-table.js'

const PATH = '/audit-log'

function filtersInUrl(): AuditFilters {
  return parseAuditFilters(locationPath() === PATH ? window.location.search : '')
}

/** Who changed which key, user or model, when and how (administrators only). */
export function AuditLogPage() {
  const [filters, setFilters] = useState(filtersInUrl)
  const [page, setPage] = useState(1)
  const [perPage, setPerPage] = useState(20)
  const list = usePageQuery<AuditEvent>(auditApiPath(filters, page, perPage))

  useEffect(() => {
    const onPopState = () => {
      if (locationPath() === PATH) {
        setFilters(filtersInUrl())
        setPage(1)
      }
    }
    window.addEventListener('popstate', onPopState)
    return () => window.removeEventListener('popstate', onPopState)
  }, [])

  const change = (next: AuditFilters) => {
    setFilters(next)
    setPage(1)
    const url = `${PATH}${auditFiltersQuery(next)}`
    if (url !== `${window.location.pathname}${window.location.search}`) {
      window.history.pushState(null, '', url)
    }
  }

  return (
    <section aria-labelledby="audit-title">
      <div class="page-head">
        <div>
          <p class="breadcrumb">Access Control</p>
          <h1 id="audit-title">Audit log</h1>
        </div>
      </div>
      <p class="muted">
        Every change to API keys, users and models: who made it, when, and the old and new values.
        Passwords, key values and engine credentials are never recorded.
      </p>
      <AuditFiltersBar value={filters} onChange={change} />
      <ErrorMessage>{list.error}</ErrorMessage>
      <div aria-busy={list.loading}>
        <AuditTable events={list.data?.items ?? []} />
      </div>
      {list.data !== null && (
        <PaginationBar
          pagination={list.data.pagination}
          onPage={setPage}
          onPerPage={(n) => {
            setPerPage(n)
            setPage(1)
          }}
        />
      )}
    </section>
  )
}

import type { Pagination } from '../api-types.js'
import { PER_PAGE_OPTIONS } from '../lib/list-query.js'
import type { ListPage } from '../lib/use-list-page.js'
import { SelectField } from './select-field.js'

interface PaginationProps {
  pagination: Pagination
  onPage: (page: number) => void
  onPerPage: (perPage: number) => void
}

export function PaginationBar({ pagination, onPage, onPerPage }: PaginationProps) {
  const { page, perPage, total, totalPage } = pagination
  const pages = Math.max(1, totalPage)
  return (
    <nav class="pagination" aria-label="Pagination">
      <span class="muted">
        {total} {total === 1 ? 'item' : 'items'}
      </span>
      <SelectField
        class="inline-label"
        label="Rows per page"
        value={String(perPage)}
        onChange={(e) => onPerPage(Number(e.currentTarget.value))}
      >
        {PER_PAGE_OPTIONS.map((n) => (
          <option key={n} value={String(n)}>
            {n}
          </option>
        ))}
      </SelectField>
      <button type="button" class="btn" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span aria-live="polite">
        Page {Math.min(page, pages)} of {pages}
      </span>
      <button type="button" class="btn" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  )
}

/** A list page's bar, once its first answer is in: page changes go through the URL (useListPage). */
export function ListPagination({ list, change }: Pick<ListPage<unknown>, 'list' | 'change'>) {
  if (list.data === null) {
    return null
  }
  return (
    <PaginationBar
      pagination={list.data.pagination}
      onPage={(page) => change({ page })}
      onPerPage={(perPage) => change({ perPage })}
    />
  )
}

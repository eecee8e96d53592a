import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import {
  defaultListQuery,
  type ListQuery,
  type ListSpec,
  listApiPath,
  listQueryString,
  parseListQuery,
} from './list-query.js'
import { locationPath, type RoutePath } from './router.js'
import { type PageResult, useDebounced, usePageQuery } from './use-page-query.js'

export interface ListPage<T> {
  query: ListQuery
  /** What the search box shows; it becomes `query.search` (page 1) once typing pauses. */
  searchText: string
  setSearchText: (text: string) => void
  /** A page, sort or view change: a new history entry, so Back shows the list as it was. Page is 1 unless given. */
  change: (patch: Partial<ListQuery>) => void
  list: PageResult<T>
}

const SEARCH_DELAY_MS = 250

function readLocation(path: RoutePath, spec: ListSpec): ListQuery {
  return locationPath() === path
    ? parseListQuery(window.location.search, spec)
    : defaultListQuery(spec)
}

/**
 * One list page whose state lives in the URL (read at mount and on Back/Forward), loading the matching page of
 * `endpoint`. Typing in the search box replaces the current history entry instead of adding one per pause.
 */
export function useListPage<T>(endpoint: string, path: RoutePath, spec: ListSpec): ListPage<T> {
  const specRef = useRef(spec)
  specRef.current = spec
  const [query, setQuery] = useState(() => readLocation(path, spec))
  const queryRef = useRef(query)
  const [searchText, setSearchText] = useState(query.search)
  const settled = useDebounced(searchText.trim(), SEARCH_DELAY_MS)
  const list = usePageQuery<T>(listApiPath(endpoint, query))

  const write = useCallback(
    (next: ListQuery, mode: 'push' | 'replace') => {
      queryRef.current = next
      setQuery(next)
      const url = `${path}${listQueryString(next, specRef.current)}`
      if (url === `${window.location.pathname}${window.location.search}`) {
        return
      }
      if (mode === 'push') {
        window.history.pushState(null, '', url)
      } else {
        window.history.replaceState(null, '', url)
      }
    },
    [path],
  )

  useEffect(() => {
    // A link with values the page does not accept shows the defaults, and the address bar says so.
    if (locationPath() === path) {
      write(queryRef.current, 'replace')
    }
    const onPopState = () => {
      if (locationPath() === path) {
        const next = parseListQuery(window.location.search, specRef.current)
        queryRef.current = next
        setQuery(next)
        setSearchText(next.search)
      }
    }
    window.addEventListener('popstate', onPopState)
    return () => window.removeEventListener('popstate', onPopState)
  }, [path, write])

  useEffect(() => {
    if (settled !== queryRef.current.search) {
      write({ ...queryRef.current, search: settled, page: 1 }, 'replace')
    }
  }, [settled, write])

  // A page past the end (a stale link, or the last rows deleted) moves to the last page that exists.
  useEffect(() => {
    const lastPage = Math.max(1, list.data?.pagination.totalPage ?? 1)
    if (list.data !== null && queryRef.current.page > lastPage) {
      write({ ...queryRef.current, page: lastPage }, 'replace')
    }
  }, [list.data, write])

  const change = useCallback(
    (patch: Partial<ListQuery>) => write({ ...queryRef.current, page: 1, ...patch }, 'push'),
    [write],
  )
  return { query, searchText, setSearchText, change, list }
}

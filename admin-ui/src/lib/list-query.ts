/**
 * A list page's state as it stands in the address bar, so reload and Back keep it. The names are the API's own
 * (`page`, `perPage`, `sort_by`, `search`, `user_id=*`), so the query can be read as the list request it makes.
 */
export interface ListQuery {
  page: number
  perPage: number
  /** The API's `sort_by`: a field, prefixed with "-" for descending. */
  sortBy: string
  search: string
  /** An admin's "All users" view of API keys (`user_id=*`). */
  allUsers: boolean
}

export interface ListSpec {
  /** The fields the page's column headers sort by; any other `sort_by` falls back to the default. */
  sortFields: readonly string[]
  defaultSort: string
  /** False where `user_id=*` means nothing or would be refused (not an admin, or not the keys list). */
  allowAllUsers: boolean
}

/** The choices of the Rows per page menu; another perPage would leave the menu showing none of them. */
export const PER_PAGE_OPTIONS: readonly number[] = [10, 20, 50, 100]
const DEFAULT_PER_PAGE = 20
/** The API's limits: a larger page or a longer search is refused with 400, so the URL must not send one. */
const MAX_PAGE = 1_000_000
export const SEARCH_MAX_LENGTH = 256

export function defaultListQuery(spec: ListSpec): ListQuery {
  return {
    page: 1,
    perPage: DEFAULT_PER_PAGE,
    sortBy: spec.defaultSort,
    search: '',
    allUsers: false,
  }
}

function readPage(raw: string | null): number | null {
  if (raw === null || !/^[1-9][0-9]{0,6}$/.test(raw)) {
    return null
  }
  const page = Number(raw)
  return page <= MAX_PAGE ? page : null
}

function readPerPage(raw: string | null): number | null {
  const perPage = raw === null ? Number.NaN : Number(raw)
  return PER_PAGE_OPTIONS.includes(perPage) && String(perPage) === raw ? perPage : null
}

function readSort(raw: string | null, spec: ListSpec): string | null {
  if (raw === null) {
    return null
  }
  const field = raw.startsWith('-') ? raw.slice(1) : raw
  return spec.sortFields.includes(field) ? raw : null
}

/**
 * Reads `location.search` (with or without its "?"). Each value that is missing, malformed or outside what the
 * page offers falls back to its default on its own, so a hand-edited or stale link still opens the list.
 */
export function parseListQuery(search: string, spec: ListSpec): ListQuery {
  const params = new URLSearchParams(search)
  const defaults = defaultListQuery(spec)
  const text = (params.get('search') ?? '').trim()
  return {
    page: readPage(params.get('page')) ?? defaults.page,
    perPage: readPerPage(params.get('perPage')) ?? defaults.perPage,
    sortBy: readSort(params.get('sort_by'), spec) ?? defaults.sortBy,
    search: text.length <= SEARCH_MAX_LENGTH ? text : defaults.search,
    allUsers: spec.allowAllUsers && params.get('user_id') === '*',
  }
}

/** The page's own query string: only what differs from the defaults, so the plain path means the default list. */
export function listQueryString(q: ListQuery, spec: ListSpec): string {
  const defaults = defaultListQuery(spec)
  const params = new URLSearchParams()
  if (q.page !== defaults.page) {
    params.set('page', String(q.page))
  }
  if (q.perPage !== defaults.perPage) {
    params.set('perPage', String(q.perPage))
  }
  if (q.sortBy !== defaults.sortBy) {
    params.set('sort_by', q.sortBy)
  }
  if (q.search !== '') {
    params.set('search', q.search)
  }
  if (q.allUsers && spec.allowAllUsers) {
    params.set('user_id', '*')
  }
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}

/** The list request for `endpoint` (e.g. /v2/api-keys), with every parameter spelled out. */
export function listApiPath(endpoint: string, q: ListQuery): string {
  const params = new URLSearchParams({
    page: String(q.page),
    perPage: String(q.perPage),
    sort_by: q.sortBy,
  })
  if (q.search !== '') {
    params.set('search', q.search)
  }
  if (q.allUsers) {
    params.set('user_id', '*')
  }
  return `${endpoint}?${params.toString()}`
}

/** `sort_by` values as the API takes them: a field, prefixed with "-" for descending. */
export interface SortState {
  field: string
  descending: boolean
}

export function parseSort(sortBy: string): SortState {
  return sortBy.startsWith('-')
    ? { field: sortBy.slice(1), descending: true }
    : { field: sortBy, descending: false }
}

/** Clicking the sorted column flips it; another column starts ascending for text, descending for dates. */
export function nextSort(current: string, field: string, textField: boolean): string {
  const { field: active, descending } = parseSort(current)
  if (active === field) {
    return descending ? field : `-${field}`
  }
  return textField ? field : `-${field}`
}

export function ariaSort(current: string, field: string): 'ascending' | 'descending' | 'none' {
  const { field: active, descending } = parseSort(current)
  if (active !== field) {
    return 'none'
  }
  return descending ? 'descending' : 'ascending'
}

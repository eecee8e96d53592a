import { ariaSort, nextSort } from '../lib/sort.js'

interface SortHeaderProps {
  label: string
  field: string
  sortBy: string
  textField?: boolean
  onSort: (sortBy: string) => void
}

export function SortHeader({ label, field, sortBy, textField = false, onSort }: SortHeaderProps) {
  const state = ariaSort(sortBy, field)
  const arrow = state === 'ascending' ? '▲' : state === 'descending' ? '▼' : ''
  return (
    <th scope="col" aria-sort={state}>
      <button
        type="button"
        class="sort-button"
        onClick={() => onSort(nextSort(sortBy, field, textField))}
      >
        {label}
        <span aria-hidden="true" class="sort-arrow">
          {arrow}
        </span>
      </button>
    </th>
  )
}

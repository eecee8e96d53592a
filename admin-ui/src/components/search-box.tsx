import { SEARCH_MAX_LENGTH } from '../lib/list-query.js'

interface SearchBoxProps {
  /** The placeholder, and the input's accessible name. */
  label: string
  value: string
  onInput: (text: string) => void
}

/** The search field at the head of a list. */
export function SearchBox({ label, value, onInput }: SearchBoxProps) {
  return (
    <label class="search">
      <span class="sr-only">{label}</span>
      <input
        type="search"
        placeholder={label}
        maxLength={SEARCH_MAX_LENGTH}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </label>
  )
}

import type { JSX } from 'preact'
import { toDateInputValue } from '../../lib/expiry.js'

interface ExpiryDateFieldProps {
  value: string
  onInput: (value: string) => void
  /** aria-invalid / aria-describedby when the form reports a problem with the expiry. */
  invalidProps?: JSX.HTMLAttributes<HTMLInputElement>
}

/** The "Expiration date" picker shown when Custom is chosen; today is the earliest date. */
export function ExpiryDateField({ value, onInput, invalidProps }: ExpiryDateFieldProps) {
  return (
    <label class="field">
      <span>Expiration date</span>
      <input
        type="date"
        min={toDateInputValue(new Date())}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
        {...invalidProps}
      />
    </label>
  )
}

interface PasswordFieldProps {
  label: string
  value: string
  onInput: (value: string) => void
  autoComplete: 'current-password' | 'new-password'
}

/** A labelled password input (the label wraps it, so its accessible name is the label). */
export function PasswordField({ label, value, onInput, autoComplete }: PasswordFieldProps) {
  return (
    <label class="field">
      <span>{label}</span>
      <input
        type="password"
        autoComplete={autoComplete}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </label>
  )
}

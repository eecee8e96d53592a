import { PasswordField } from './password-field.js'

export interface NewPassword {
  password: string
  confirm: string
  mustChange: boolean
}

export const EMPTY_NEW_PASSWORD: NewPassword = { password: '', confirm: '', mustChange: true }

const WORDING = {
  /** A user's first password (Add user). */
  first: {
    password: 'Password',
    confirm: 'Confirm password',
    mustChange: 'Require a new password at first login',
  },
  /** Replacing a password (Reset password, Change password). */
  new: {
    password: 'New password',
    confirm: 'Confirm new password',
    mustChange: 'Require a new password at next login',
  },
} as const

interface NewPasswordFieldsProps {
  wording: keyof typeof WORDING
  value: NewPassword
  onChange: (next: NewPassword) => void
  /** Show the "Require a new password" box (an admin setting someone's password). */
  askMustChange: boolean
}

/** A new password typed twice, and whether its owner must replace it when they next log in. */
export function NewPasswordFields({
  wording,
  value,
  onChange,
  askMustChange,
}: NewPasswordFieldsProps) {
  const words = WORDING[wording]
  return (
    <>
      <PasswordField
        label={words.password}
        autoComplete="new-password"
        value={value.password}
        onInput={(password) => onChange({ ...value, password })}
      />
      <PasswordField
        label={words.confirm}
        autoComplete="new-password"
        value={value.confirm}
        onInput={(confirm) => onChange({ ...value, confirm })}
      />
      {askMustChange && (
        <label class="check">
          <input
            type="checkbox"
            checked={value.mustChange}
            onChange={(e) => onChange({ ...value, mustChange: e.currentTarget.checked })}
          />
          {words.mustChange}
        </label>
      )}
    </>
  )
}

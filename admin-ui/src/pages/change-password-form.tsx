import { useState } from 'preact/hooks'
import { errorMessage } from '../api/api-client.js'
import { useSession } from '../api/api-context.js'
import { ErrorMessage } from '../components/alerts.js'
import { FormActions } from '../components/form-actions.js'
import { PasswordField } from '../components/password-field.js'
import { validatePasswordChange } from '../lib/password-rules.js'

interface ChangePasswordFormProps {
  onDone: () => void
  onCancel?: () => void
}

/** POST /auth/update-password; used on the forced first-login page and from the header. */
export function ChangePasswordForm({ onDone, onCancel }: ChangePasswordFormProps) {
  const { api } = useSession()
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [confirm, setConfirm] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  async function submit(event: Event) {
    event.preventDefault()
    const problem = validatePasswordChange(current, next, confirm)
    if (problem !== null) {
      setError(problem)
      return
    }
    setBusy(true)
    setError('')
    try {
      await api.post('/auth/update-password', { current_password: current, new_password: next })
      onDone()
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <ErrorMessage>{error}</ErrorMessage>
      <PasswordField
        label="Current password"
        autoComplete="current-password"
        value={current}
        onInput={setCurrent}
      />
      <PasswordField
        label="New password"
        autoComplete="new-password"
        value={next}
        onInput={setNext}
      />
      <PasswordField
        label="Confirm new password"
        autoComplete="new-password"
        value={confirm}
        onInput={setConfirm}
      />
      <FormActions onCancel={onCancel} busy={busy} submitLabel="Change password" />
    </form>
  )
}

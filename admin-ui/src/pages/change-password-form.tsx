import { useState } from 'preact/hooks'
import { errorMessage } from '../api/api-client.js'
import { useSession } from '../api/api-context.js'
import { ErrorMessage } from '../components/alerts.js'
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
      <label class="field">
        <span>Current password</span>
        <input
          type="password"
          autoComplete="current-password"
          value={current}
          onInput={(e) => setCurrent(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>New password</span>
        <input
          type="password"
          autoComplete="new-password"
          value={next}
          onInput={(e) => setNext(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>Confirm new password</span>
        <input
          type="password"
          autoComplete="new-password"
          value={confirm}
          onInput={(e) => setConfirm(e.currentTarget.value)}
        />
      </label>
      <div class="form-actions">
        {onCancel !== undefined && (
          <button type="button" class="btn" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" class="btn btn-primary" disabled={busy}>
          Change password
        </button>
      </div>
    </form>
  )
}

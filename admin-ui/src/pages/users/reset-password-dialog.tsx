import { useState } from 'preact/hooks'
import { errorMessage } from '../../api/api-client.js'
import { useSession } from '../../api/api-context.js'
import type { UpdateUserBody, User } from '../../api-types.js'
import { ErrorMessage } from '../../components/alerts.js'
import { FormActions } from '../../components/form-actions.js'
import { Modal } from '../../components/modal.js'
import { PasswordField } from '../../components/password-field.js'
import { validateNewPassword } from '../../lib/password-rules.js'

interface ResetPasswordDialogProps {
  user: User
  onClose: () => void
  onSaved: (user: User) => void
}

export function ResetPasswordDialog({ user, onClose, onSaved }: ResetPasswordDialogProps) {
  const { api } = useSession()
  const [password, setPassword] = useState('')
  const [confirm, setConfirm] = useState('')
  const [mustChange, setMustChange] = useState(true)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  async function submit(event: Event) {
    event.preventDefault()
    const problem = validateNewPassword(password, confirm)
    if (problem !== null) {
      setError(problem)
      return
    }
    setBusy(true)
    setError('')
    try {
      const body: UpdateUserBody = { password, require_password_change: mustChange }
      onSaved(await api.put<User>(`/v2/users/${user.id}`, body))
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal title={`Reset password of “${user.username}”`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ErrorMessage>{error}</ErrorMessage>
        <PasswordField
          label="New password"
          autoComplete="new-password"
          value={password}
          onInput={setPassword}
        />
        <PasswordField
          label="Confirm new password"
          autoComplete="new-password"
          value={confirm}
          onInput={setConfirm}
        />
        <label class="check">
          <input
            type="checkbox"
            checked={mustChange}
            onChange={(e) => setMustChange(e.currentTarget.checked)}
          />
          Require a new password at next login
        </label>
        <FormActions onCancel={onClose} busy={busy} />
      </form>
    </Modal>
  )
}

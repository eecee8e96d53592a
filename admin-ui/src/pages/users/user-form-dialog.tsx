import { useState } from 'preact/hooks'
import { errorMessage } from '../../api/api-client.js'
import { useSession } from '../../api/api-context.js'
import type { CreateUserBody, UpdateUserBody, User } from '../../api-types.js'
import { ErrorMessage } from '../../components/alerts.js'
import { FormActions } from '../../components/form-actions.js'
import { Modal } from '../../components/modal.js'
import { PasswordField } from '../../components/password-field.js'
import { validateNewPassword } from '../../lib/password-rules.js'
import { validateUsername } from '../../lib/user-rules.js'

interface UserFormDialogProps {
  /** Absent: create a user. */
  user?: User
  onClose: () => void
  onSaved: (user: User) => void
}

/** Add user (with a first password) or Edit user (full name, admin, active). */
export function UserFormDialog({ user, onClose, onSaved }: UserFormDialogProps) {
  const { api } = useSession()
  const [username, setUsername] = useState('')
  const [fullName, setFullName] = useState(user?.full_name ?? '')
  const [password, setPassword] = useState('')
  const [confirm, setConfirm] = useState('')
  const [isAdmin, setIsAdmin] = useState(user?.is_admin ?? false)
  const [isActive, setIsActive] = useState(user?.is_active ?? true)
  const [mustChange, setMustChange] = useState(true)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  async function submit(event: Event) {
    event.preventDefault()
    const problem = user
      ? null
      : (validateUsername(username) ?? validateNewPassword(password, confirm))
    if (problem !== null) {
      setError(problem)
      return
    }
    setBusy(true)
    setError('')
    try {
      if (user) {
        const body: UpdateUserBody = {
          full_name: fullName.trim(),
          is_admin: isAdmin,
          is_active: isActive,
        }
        onSaved(await api.put<User>(`/v2/users/${user.id}`, body))
      } else {
        const body: CreateUserBody = {
          username: username.trim(),
          password,
          full_name: fullName.trim(),
          is_admin: isAdmin,
          require_password_change: mustChange,
        }
        onSaved(await api.post<User>('/v2/users', body))
      }
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal title={user ? `Edit user “${user.username}”` : 'Add user'} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ErrorMessage>{error}</ErrorMessage>
        {!user && (
          <label class="field">
            <span>Username</span>
            <input
              autoComplete="off"
              value={username}
              onInput={(e) => setUsername(e.currentTarget.value)}
            />
          </label>
        )}
        <label class="field">
          <span>Full name</span>
          <input value={fullName} onInput={(e) => setFullName(e.currentTarget.value)} />
        </label>
        {!user && (
          <>
            <PasswordField
              label="Password"
              autoComplete="new-password"
              value={password}
              onInput={setPassword}
            />
            <PasswordField
              label="Confirm password"
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
              Require a new password at first login
            </label>
          </>
        )}
        <label class="check">
          <input
            type="checkbox"
            checked={isAdmin}
            onChange={(e) => setIsAdmin(e.currentTarget.checked)}
          />
          Administrator
        </label>
        {user && (
          <label class="check switch">
            <input
              type="checkbox"
              role="switch"
              aria-checked={isActive}
              checked={isActive}
              onChange={(e) => setIsActive(e.currentTarget.checked)}
            />
            Active
          </label>
        )}
        <FormActions onCancel={onClose} busy={busy} />
      </form>
    </Modal>
  )
}

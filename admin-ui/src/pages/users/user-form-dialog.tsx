import { useId, useState } from 'preact/hooks'
import { errorMessage } from '../../api/api-client.js'
import { useSession } from '../../api/api-context.js'
import type { CreateUserBody, UpdateUserBody, User } from '../../api-types.js'
import { ErrorMessage } from '../../components/alerts.js'
import { FormActions } from '../../components/form-actions.js'
import { LimitsFields } from '../../components/limits-fields.js'
import { Modal } from '../../components/modal.js'
import { EMPTY_NEW_PASSWORD, NewPasswordFields } from '../../components/new-password-fields.js'
import { buildLimits, emptyLimits, limitsFor } from '../../lib/limit-form.js'
import { validateNewPassword } from '../../lib/password-rules.js'
import { checkedBy, useFormSubmit } from '../../lib/use-form-submit.js'
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
  const [first, setFirst] = useState(EMPTY_NEW_PASSWORD)
  const [isAdmin, setIsAdmin] = useState(user?.is_admin ?? false)
  const [isActive, setIsActive] = useState(user?.is_active ?? true)
  const [limits, setLimits] = useState(() => (user ? limitsFor(user) : emptyLimits()))
  const id = useId()
  const { errors, busy, submit } = useFormSubmit('', errorMessage)

  const builtLimits = buildLimits(limits)
  const limitErrors = builtLimits.ok ? {} : builtLimits.errors
  const problem = user
    ? builtLimits.ok
      ? null
      : 'Check the limits: each is a whole number of at least 1, or empty for no limit.'
    : (validateUsername(username) ?? validateNewPassword(first.password, first.confirm))
  async function send() {
    if (user) {
      const body: UpdateUserBody = {
        full_name: fullName.trim(),
        is_admin: isAdmin,
        is_active: isActive,
        ...(builtLimits.ok ? builtLimits.values : {}),
      }
      onSaved(await api.put<User>(`/v2/users/${user.id}`, body))
    } else {
      const body: CreateUserBody = {
        username: username.trim(),
        password: first.password,
        full_name: fullName.trim(),
        is_admin: isAdmin,
        require_password_change: first.mustChange,
      }
      onSaved(await api.post<User>('/v2/users', body))
    }
  }

  return (
    <Modal title={user ? `Edit user “${user.username}”` : 'Add user'} onClose={onClose}>
      <form onSubmit={(e) => submit(e, checkedBy(problem), send)} noValidate>
        <ErrorMessage>{errors}</ErrorMessage>
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
          <NewPasswordFields wording="first" value={first} onChange={setFirst} askMustChange />
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
        {user && (
          <LimitsFields
            id={`${id}-limits`}
            value={limits}
            onChange={setLimits}
            errors={limitErrors}
            hint="Over all of this user's keys together; each key's own limits apply on top. Empty: no limit."
          />
        )}
        <FormActions onCancel={onClose} busy={busy} />
      </form>
    </Modal>
  )
}

import { useState } from 'preact/hooks'
import { errorMessage } from '../../api/api-client.js'
import { useSession } from '../../api/api-context.js'
import type { UpdateUserBody, User } from '../../api-types.js'
import { ErrorMessage } from '../../components/alerts.js'
import { FormActions } from '../../components/form-actions.js'
import { Modal } from '../../components/modal.js'
import { EMPTY_NEW_PASSWORD, NewPasswordFields } from '../../components/new-password-fields.js'
import { validateNewPassword } from '../../lib/password-rules.js'
import { checkedBy, useFormSubmit } from '../../lib/use-form-submit.js'

interface ResetPasswordDialogProps {
  user: User
  onClose: () => void
  onSaved: (user: User) => void
}

export function ResetPasswordDialog({ user, onClose, onSaved }: ResetPasswordDialogProps) {
  const { api } = useSession()
  const [next, setNext] = useState(EMPTY_NEW_PASSWORD)
  const { errors, busy, submit } = useFormSubmit('', errorMessage)

  async function send() {
    const body: UpdateUserBody = {
      password: next.password,
      require_password_change: next.mustChange,
    }
    onSaved(await api.put<User>(`/v2/users/${user.id}`, body))
  }

  return (
    <Modal title={`Reset password of “${user.username}”`} onClose={onClose}>
      <form
        onSubmit={(e) =>
          submit(e, checkedBy(validateNewPassword(next.password, next.confirm)), send)
        }
        noValidate
      >
        <ErrorMessage>{errors}</ErrorMessage>
        <NewPasswordFields wording="new" value={next} onChange={setNext} askMustChange />
        <FormActions onCancel={onClose} busy={busy} />
      </form>
    </Modal>
  )
}

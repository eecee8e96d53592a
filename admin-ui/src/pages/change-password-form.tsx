import { useState } from 'preact/hooks'
import { errorMessage } from '../api/api-client.js'
import { useSession } from '../api/api-context.js'
import { ErrorMessage } from '../components/alerts.js'
import { FormActions } from '../components/form-actions.js'
import { EMPTY_NEW_PASSWORD, NewPasswordFields } from '../components/new-password-fields.js'
import { PasswordField } from '../components/password-field.js'
import { validatePasswordChange } from '../lib/password-rules.js'
import { checkedBy, useFormSubmit } from '../lib/use-form-submit.js'

interface ChangePasswordFormProps {
  onDone: () => void
  onCancel?: () => void
}

/** POST /auth/update-password; used on the forced first-login page and from the header. */
export function ChangePasswordForm({ onDone, onCancel }: ChangePasswordFormProps) {
  const { api } = useSession()
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState(EMPTY_NEW_PASSWORD)
  const { errors, busy, submit } = useFormSubmit('', errorMessage)

  async function send() {
    await api.post('/auth/update-password', {
      current_password: current,
      new_password: next.password,
    })
    onDone()
  }

  return (
    <form
      onSubmit={(e) =>
        submit(e, checkedBy(validatePasswordChange(current, next.password, next.confirm)), send)
      }
      noValidate
    >
      <ErrorMessage>{errors}</ErrorMessage>
      <PasswordField
        label="Current password"
        autoComplete="current-password"
        value={current}
        onInput={setCurrent}
      />
      <NewPasswordFields wording="new" value={next} onChange={setNext} askMustChange={false} />
      <FormActions onCancel={onCancel} busy={busy} submitLabel="Change password" />
    </form>
  )
}

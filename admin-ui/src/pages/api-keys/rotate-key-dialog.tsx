import { useState } from 'preact/hooks'
import { errorMessage } from '../../api/api-client.js'
import { useSession } from '../../api/api-context.js'
import type { ApiKey, CreatedApiKey, RotateApiKeyBody } from '../../api-types.js'
import { ErrorMessage } from '../../components/alerts.js'
import { FormActions } from '../../components/form-actions.js'
import { Modal } from '../../components/modal.js'
import { SelectField } from '../../components/select-field.js'

interface RotateKeyDialogProps {
  apiKey: ApiKey
  onClose: () => void
  /** The rotated key with its new value, for the shown-once dialog. */
  onRotated: (key: CreatedApiKey) => void
}

/** How long the old value keeps working; the API accepts 0 to 604800 seconds (7 days). */
const GRACE_OPTIONS: readonly { seconds: number; label: string }[] = [
  { seconds: 0, label: 'No grace: the old value stops now' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 604_800, label: '7 days' },
]

/** POST /v2/api-keys/{id}/rotate: a new value, same key (name, permissions, allowlists, usage). */
export function RotateKeyDialog({ apiKey, onClose, onRotated }: RotateKeyDialogProps) {
  const { api } = useSession()
  const [grace, setGrace] = useState(0)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  async function rotate(event: Event) {
    event.preventDefault()
    setBusy(true)
    setError('')
    try {
      const body: RotateApiKeyBody = { grace_seconds: grace }
      onRotated(await api.post<CreatedApiKey>(`/v2/api-keys/${apiKey.id}/rotate`, body))
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal title={`Rotate API Key “${apiKey.name}”`} onClose={onClose}>
      <form onSubmit={(e) => void rotate(e)} noValidate>
        <ErrorMessage>{error}</ErrorMessage>
        <p>
          The key <code>{apiKey.masked_value}</code> gets a new value, shown once. Its name,
          permissions, allowlists and usage stay.
        </p>
        <SelectField
          label="Old value keeps working for"
          value={String(grace)}
          onChange={(e) => setGrace(Number(e.currentTarget.value))}
        >
          {GRACE_OPTIONS.map((o) => (
            <option key={o.seconds} value={String(o.seconds)}>
              {o.label}
            </option>
          ))}
        </SelectField>
        <p class="hint">After the grace period only the new value is accepted, on every replica.</p>
        <FormActions onCancel={onClose} busy={busy} submitLabel="Rotate" />
      </form>
    </Modal>
  )
}

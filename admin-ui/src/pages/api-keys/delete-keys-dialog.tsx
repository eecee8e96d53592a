import { useState } from 'preact/hooks'
import { errorMessage } from '../../api/api-client.js'
import { useSession } from '../../api/api-context.js'
import type { ApiKey } from '../../api-types.js'
import { ErrorMessage } from '../../components/alerts.js'
import { Modal } from '../../components/modal.js'

interface DeleteKeysDialogProps {
  keys: ApiKey[]
  onClose: () => void
  onDeleted: (names: string[]) => void
}

/** Confirms deleting one key (named) or a batch (listed); deletes them one by one (DELETE /v2/api-keys/{id}). */
export function DeleteKeysDialog({ keys, onClose, onDeleted }: DeleteKeysDialogProps) {
  const { api } = useSession()
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const single = keys.length === 1 ? keys[0] : undefined

  async function confirm() {
    setBusy(true)
    setError('')
    const deleted: string[] = []
    const failures: string[] = []
    for (const key of keys) {
      try {
        await api.delete(`/v2/api-keys/${key.id}`)
        deleted.push(key.name)
      } catch (err) {
        failures.push(`${key.name}: ${errorMessage(err)}`)
      }
    }
    setBusy(false)
    if (failures.length === 0) {
      onDeleted(deleted)
    } else {
      setError(`Some keys were not deleted. ${failures.join(' ')}`)
    }
  }

  return (
    <Modal title={single ? 'Delete API key' : `Delete ${keys.length} API keys`} onClose={onClose}>
      <ErrorMessage>{error}</ErrorMessage>
      {single ? (
        <p>
          Delete the API key <strong>{single.name}</strong> ({single.masked_value})? Programs using
          it will be refused at once. This cannot be undone.
        </p>
      ) : (
        <>
          <p>
            Delete these API keys? Programs using them will be refused at once. This cannot be
            undone.
          </p>
          <ul class="name-list">
            {keys.map((k) => (
              <li key={k.id}>{k.name}</li>
            ))}
          </ul>
        </>
      )}
      <div class="form-actions">
        <button type="button" class="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="button" class="btn btn-danger" disabled={busy} onClick={() => void confirm()}>
          Delete
        </button>
      </div>
    </Modal>
  )
}

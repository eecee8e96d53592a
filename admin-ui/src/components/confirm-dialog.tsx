import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { errorMessage } from '../api/api-client.js'
import { ErrorMessage } from './alerts.js'
import { Modal } from './modal.js'

interface ConfirmDialogProps {
  title: string
  children: ComponentChildren
  confirmLabel: string
  danger?: boolean
  onConfirm: () => Promise<void>
  onClose: () => void
}

/** Asks before a destructive or privileged action; shows the API's refusal in place. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const { title, children, confirmLabel, danger = false, onConfirm, onClose } = props
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  async function confirm() {
    setBusy(true)
    setError('')
    try {
      await onConfirm()
    } catch (err) {
      setError(errorMessage(err))
      setBusy(false)
    }
  }
  return (
    <Modal title={title} onClose={onClose}>
      <ErrorMessage>{error}</ErrorMessage>
      {children}
      <div class="form-actions">
        <button type="button" class="btn" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          class={danger ? 'btn btn-danger' : 'btn btn-primary'}
          disabled={busy}
          onClick={() => void confirm()}
        >
          {confirmLabel}
        </button>
      </div>
    </Modal>
  )
}

interface FormActionsProps {
  /** Omit to show no Cancel button (e.g. the forced first-login password change). */
  onCancel?: () => void
  busy: boolean
  submitLabel?: string
}

/** The Cancel / submit row at the bottom of every form. */
export function FormActions({ onCancel, busy, submitLabel = 'Save' }: FormActionsProps) {
  return (
    <div class="form-actions">
      {onCancel !== undefined && (
        <button type="button" class="btn" onClick={onCancel}>
          Cancel
        </button>
      )}
      <button type="submit" class="btn btn-primary" disabled={busy}>
        {submitLabel}
      </button>
    </div>
  )
}

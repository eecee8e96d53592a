import type { ComponentChildren } from 'preact'

/** An error the user must read (role=alert is announced at once). */
export function ErrorMessage({ children }: { children: ComponentChildren }) {
  if (children === null || children === undefined || children === '') {
    return null
  }
  return (
    <p class="alert alert-error" role="alert">
      {children}
    </p>
  )
}

/** A polite success or status message. */
export function Notice({
  children,
  onDismiss,
}: {
  children: ComponentChildren
  onDismiss?: () => void
}) {
  return (
    <div class="alert alert-success" role="status">
      <span>{children}</span>
      {onDismiss !== undefined && (
        <button type="button" class="btn-link" aria-label="Dismiss message" onClick={onDismiss}>
          ×
        </button>
      )}
    </div>
  )
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (message === undefined) {
    return null
  }
  return (
    <p id={id} class="field-error">
      {message}
    </p>
  )
}

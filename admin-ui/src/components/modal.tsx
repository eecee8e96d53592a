import type { ComponentChildren } from 'preact'
import { useEffect, useId, useRef } from 'preact/hooks'

interface ModalProps {
  title: string
  /** Escape and the Cancel/Done buttons call this; the parent unmounts the modal. */
  onClose: () => void
  children: ComponentChildren
  size?: 'normal' | 'wide'
}

/** A native <dialog> opened with showModal(): focus moves inside, Escape closes, the page behind is inert. */
export function Modal({ title, onClose, children, size = 'normal' }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const dialog = ref.current
    if (dialog !== null && !dialog.open) {
      dialog.showModal()
    }
    return () => dialog?.close()
  }, [])
  return (
    <dialog
      ref={ref}
      class={`modal modal-${size}`}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault()
        onClose()
      }}
    >
      <h2 id={titleId} class="modal-title">
        {title}
      </h2>
      {children}
    </dialog>
  )
}

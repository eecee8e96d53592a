import { useId, useState } from 'preact/hooks'
import type { FieldErrors } from '../../lib/key-form.js'
import { type FormSubmit, useFormSubmit } from '../../lib/use-form-submit.js'
import { type KeyDialogErrors, placeApiError } from './field-errors-from-api.js'

export interface KeyForm<F> extends FormSubmit<KeyDialogErrors> {
  /** Prefix of the ids that tie a field to its error message. */
  id: string
  form: F
  set: (patch: Partial<F>) => void
  /** aria-invalid and aria-describedby for a field while it has an error. */
  invalid: (field: keyof FieldErrors) => InvalidProps
}

export interface InvalidProps {
  'aria-invalid'?: true
  'aria-describedby'?: string
}

/** The state both key dialogs (Add and Edit) keep: the form, its errors and the submit cycle. */
export function useKeyForm<F>(initial: () => F): KeyForm<F> {
  const id = useId()
  const [form, setForm] = useState<F>(initial)
  const submission = useFormSubmit<KeyDialogErrors>({}, placeApiError)
  const set = (patch: Partial<F>) => setForm((f) => ({ ...f, ...patch }))
  const invalid = (field: keyof FieldErrors): InvalidProps =>
    submission.errors[field] === undefined
      ? {}
      : { 'aria-invalid': true, 'aria-describedby': `${id}-${field}` }
  return { ...submission, id, form, set, invalid }
}

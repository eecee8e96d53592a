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

/** The message each form field's edits answer: changing a field clears what was said about it. */
const ERROR_OF_FIELD: Readonly<Record<string, keyof FieldErrors>> = {
  name: 'name',
  type: 'customKey',
  customKey: 'customKey',
  expiry: 'expiry',
  customDate: 'expiry',
  permissions: 'allowedModels',
  allowedIps: 'allowedIps',
  metadata: 'metadata',
}

/** The state both key dialogs (Add and Edit) keep: the form, its errors and the submit cycle. */
export function useKeyForm<F extends object>(initial: () => F): KeyForm<F> {
  const id = useId()
  const [form, setForm] = useState<F>(initial)
  const submission = useFormSubmit<KeyDialogErrors>({}, placeApiError)
  const set = (patch: Partial<F>) => {
    setForm((f) => ({ ...f, ...patch }))
    const answered = Object.keys(patch).flatMap((field) => ERROR_OF_FIELD[field] ?? [])
    if (answered.some((field) => submission.errors[field] !== undefined)) {
      submission.setErrors((errors) => {
        const next = { ...errors }
        for (const field of answered) {
          delete next[field]
        }
        return next
      })
    }
  }
  const invalid = (field: keyof FieldErrors): InvalidProps =>
    submission.errors[field] === undefined
      ? {}
      : { 'aria-invalid': true, 'aria-describedby': `${id}-${field}` }
  return { ...submission, id, form, set, invalid }
}

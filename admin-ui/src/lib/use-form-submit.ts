import { useState } from 'preact/hooks'

/** A form's own checks: the body to send, or what to show instead. */
export type Checked<E, B> = { ok: true; body: B } | { ok: false; errors: E }

export interface FormSubmit<E> {
  errors: E
  /** True while a request is out; the submit button is disabled meanwhile. */
  busy: boolean
  /** Replaces the messages shown (a field the user has just changed drops its own). */
  setErrors: (update: (errors: E) => E) => void
  submit: <B>(
    event: Event,
    checked: Checked<E, B>,
    send: (body: B) => Promise<void>,
  ) => Promise<void>
}

/**
 * The submit cycle every form shares: show the form's own refusal, else send once and show the API's refusal
 * (turned into `E` by `fromError`). `none` is what shows while there is nothing to say.
 */
export function useFormSubmit<E>(none: E, fromError: (err: unknown) => E): FormSubmit<E> {
  const [errors, setErrors] = useState<E>(none)
  const [busy, setBusy] = useState(false)

  async function submit<B>(event: Event, checked: Checked<E, B>, send: (body: B) => Promise<void>) {
    event.preventDefault()
    if (!checked.ok) {
      setErrors(checked.errors)
      return
    }
    setErrors(none)
    setBusy(true)
    try {
      await send(checked.body)
    } catch (err) {
      setErrors(fromError(err))
    } finally {
      setBusy(false)
    }
  }
  return { errors, busy, submit, setErrors }
}

/** For forms whose checks give one message, or null when the input is fine. */
export function checkedBy(problem: string | null): Checked<string, null> {
  return problem === null ? { ok: true, body: null } : { ok: false, errors: problem }
}

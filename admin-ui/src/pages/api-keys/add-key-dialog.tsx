import { useId, useState } from 'preact/hooks'
import { useSession } from '../../api/api-context.js'
import type { CreatedApiKey } from '../../api-types.js'
import { ErrorMessage, FieldError } from '../../components/alerts.js'
import { FormActions } from '../../components/form-actions.js'
import { Modal } from '../../components/modal.js'
import { SelectField } from '../../components/select-field.js'
import { EXPIRY_LABELS, type ExpiryChoice } from '../../lib/expiry.js'
import {
  type AddKeyForm,
  buildCreateBody,
  DESCRIPTION_MAX_LENGTH,
  emptyAddForm,
  type FieldErrors,
  NAME_MAX_LENGTH,
} from '../../lib/key-form.js'
import { ExpiryDateField } from './expiry-date-field.js'
import { placeApiError } from './field-errors-from-api.js'
import { PermissionsFields } from './permissions-fields.js'

interface AddKeyDialogProps {
  modelNames: string[]
  onClose: () => void
  onCreated: (key: CreatedApiKey) => void
}

const EXPIRY_ORDER: ExpiryChoice[] = ['7d', '1m', '6m', '1y', 'never', 'custom']

export function AddKeyDialog({ modelNames, onClose, onCreated }: AddKeyDialogProps) {
  const { api } = useSession()
  const id = useId()
  const [form, setForm] = useState<AddKeyForm>(emptyAddForm)
  const [errors, setErrors] = useState<FieldErrors>({})
  const [general, setGeneral] = useState('')
  const [busy, setBusy] = useState(false)
  const set = (patch: Partial<AddKeyForm>) => setForm((f) => ({ ...f, ...patch }))
  const invalid = (field: keyof FieldErrors) =>
    errors[field] === undefined
      ? {}
      : { 'aria-invalid': true as const, 'aria-describedby': `${id}-${field}` }

  async function submit(event: Event) {
    event.preventDefault()
    const built = buildCreateBody(form, new Date())
    if (!built.ok) {
      setErrors(built.errors)
      return
    }
    setErrors({})
    setGeneral('')
    setBusy(true)
    try {
      onCreated(await api.post<CreatedApiKey>('/v2/api-keys', built.body))
    } catch (err) {
      const placed = placeApiError(err)
      setErrors(placed.fields)
      setGeneral(placed.general)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal title="Add API Key" onClose={onClose} size="wide">
      <form onSubmit={submit} noValidate>
        <ErrorMessage>{general}</ErrorMessage>
        <label class="field">
          <span>Name</span>
          <input
            value={form.name}
            maxLength={NAME_MAX_LENGTH}
            onInput={(e) => set({ name: e.currentTarget.value })}
            {...invalid('name')}
          />
        </label>
        <FieldError id={`${id}-name`} message={errors.name} />
        <label class="field">
          <span>Description</span>
          <textarea
            rows={2}
            maxLength={DESCRIPTION_MAX_LENGTH}
            value={form.description}
            onInput={(e) => set({ description: e.currentTarget.value })}
          />
        </label>
        <div class="field-row">
          <SelectField
            class="field"
            label="Expiration"
            value={form.expiry}
            onChange={(e) => set({ expiry: e.currentTarget.value as ExpiryChoice })}
            {...invalid('expiry')}
          >
            {EXPIRY_ORDER.map((choice) => (
              <option key={choice} value={choice}>
                {EXPIRY_LABELS[choice]}
              </option>
            ))}
          </SelectField>
          {form.expiry === 'custom' && (
            <ExpiryDateField
              value={form.customDate}
              onInput={(customDate) => set({ customDate })}
              invalidProps={invalid('expiry')}
            />
          )}
        </div>
        <FieldError id={`${id}-expiry`} message={errors.expiry} />
        <fieldset class="fieldset">
          <legend>Type</legend>
          <div class="radio-row">
            <label class="check">
              <input
                type="radio"
                name={`${id}-type`}
                checked={form.type === 'auto'}
                onChange={() => set({ type: 'auto' })}
              />
              Auto-generated
            </label>
            <label class="check">
              <input
                type="radio"
                name={`${id}-type`}
                checked={form.type === 'custom'}
                onChange={() => set({ type: 'custom' })}
              />
              Custom
            </label>
          </div>
          {form.type === 'custom' && (
            <>
              <label class="field">
                <span>Key</span>
                <input
                  value={form.customKey}
                  autoComplete="off"
                  spellcheck={false}
                  required
                  onInput={(e) => set({ customKey: e.currentTarget.value })}
                  {...invalid('customKey')}
                />
              </label>
              <p class="hint">16 to 256 printable ASCII characters, no spaces.</p>
              <FieldError id={`${id}-customKey`} message={errors.customKey} />
            </>
          )}
        </fieldset>
        <PermissionsFields
          value={form.permissions}
          onChange={(permissions) => set({ permissions })}
          modelNames={modelNames}
          error={errors.allowedModels}
        />
        <FormActions onCancel={onClose} busy={busy} />
      </form>
    </Modal>
  )
}

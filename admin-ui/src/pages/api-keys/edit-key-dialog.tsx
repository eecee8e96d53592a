import { useId, useState } from 'preact/hooks'
import { useSession } from '../../api/api-context.js'
import type { ApiKey } from '../../api-types.js'
import { ErrorMessage, FieldError } from '../../components/alerts.js'
import { FormActions } from '../../components/form-actions.js'
import { Modal } from '../../components/modal.js'
import { SelectField } from '../../components/select-field.js'
import { EXPIRY_LABELS, type ExpiryChoice, extensionBase, resolveExpiry } from '../../lib/expiry.js'
import { formatDate } from '../../lib/format.js'
import {
  buildUpdateBody,
  DESCRIPTION_MAX_LENGTH,
  type EditKeyForm,
  editFormFor,
  type FieldErrors,
} from '../../lib/key-form.js'
import { ExpiryDateField } from './expiry-date-field.js'
import { placeApiError } from './field-errors-from-api.js'
import { PermissionsFields } from './permissions-fields.js'

interface EditKeyDialogProps {
  apiKey: ApiKey
  modelNames: string[]
  onClose: () => void
  onSaved: (key: ApiKey) => void
}

const EXTEND_ORDER: ExpiryChoice[] = ['7d', '1m', '6m', '1y', 'never', 'custom']

function expiryOptionLabel(choice: ExpiryChoice): string {
  if (choice === 'never' || choice === 'custom') {
    return EXPIRY_LABELS[choice]
  }
  return `Extend by ${EXPIRY_LABELS[choice]}`
}

/** What the chosen expiry option would set, shown before Save. */
function expiryPreview(form: EditKeyForm, key: ApiKey, now: Date): string {
  if (form.expiry === 'keep') {
    return key.expires_at === null ? 'Never expires.' : `Expires ${formatDate(key.expires_at)}.`
  }
  const result = resolveExpiry(
    form.expiry,
    extensionBase(key.expires_at, now),
    form.customDate,
    now,
  )
  if (!result.ok) {
    return ''
  }
  return result.expiresAt === null
    ? 'New expiration: Never.'
    : `New expiration: ${formatDate(result.expiresAt.toISOString())}.`
}

export function EditKeyDialog({ apiKey, modelNames, onClose, onSaved }: EditKeyDialogProps) {
  const { api } = useSession()
  const id = useId()
  const [form, setForm] = useState<EditKeyForm>(() => editFormFor(apiKey))
  const [errors, setErrors] = useState<FieldErrors>({})
  const [general, setGeneral] = useState('')
  const [busy, setBusy] = useState(false)
  const set = (patch: Partial<EditKeyForm>) => setForm((f) => ({ ...f, ...patch }))

  async function submit(event: Event) {
    event.preventDefault()
    const built = buildUpdateBody(form, apiKey, new Date())
    if (!built.ok) {
      setErrors(built.errors)
      return
    }
    setErrors({})
    setGeneral('')
    setBusy(true)
    try {
      onSaved(await api.put<ApiKey>(`/v2/api-keys/${apiKey.id}`, built.body))
    } catch (err) {
      const placed = placeApiError(err)
      setErrors(placed.fields)
      setGeneral(placed.general)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal title={`Edit API Key “${apiKey.name}”`} onClose={onClose} size="wide">
      <form onSubmit={submit} noValidate>
        <ErrorMessage>{general}</ErrorMessage>
        <dl class="facts">
          <dt>Name</dt>
          <dd>{apiKey.name}</dd>
          <dt>Key</dt>
          <dd>
            <code>{apiKey.masked_value}</code>
          </dd>
        </dl>
        <label class="field">
          <span>Description</span>
          <textarea
            rows={2}
            maxLength={DESCRIPTION_MAX_LENGTH}
            value={form.description}
            onInput={(e) => set({ description: e.currentTarget.value })}
          />
        </label>
        <PermissionsFields
          value={form.permissions}
          onChange={(permissions) => set({ permissions })}
          modelNames={modelNames}
          error={errors.allowedModels}
        />
        <div class="field-row">
          <SelectField
            class="field"
            label="Expiration"
            value={form.expiry}
            onChange={(e) => set({ expiry: e.currentTarget.value as EditKeyForm['expiry'] })}
          >
            <option value="keep">Keep current</option>
            {EXTEND_ORDER.map((choice) => (
              <option key={choice} value={choice}>
                {expiryOptionLabel(choice)}
              </option>
            ))}
          </SelectField>
          {form.expiry === 'custom' && (
            <ExpiryDateField
              value={form.customDate}
              onInput={(customDate) => set({ customDate })}
            />
          )}
        </div>
        <p class="hint">{expiryPreview(form, apiKey, new Date())}</p>
        <FieldError id={`${id}-expiry`} message={errors.expiry} />
        <label class="check switch">
          <input
            type="checkbox"
            role="switch"
            aria-checked={form.isActive}
            checked={form.isActive}
            onChange={(e) => set({ isActive: e.currentTarget.checked })}
          />
          Enabled
        </label>
        <p class="hint indent">A disabled key is refused (401) until you enable it again.</p>
        <p class="hint">Changes are in force as soon as you save.</p>
        <FormActions onCancel={onClose} busy={busy} />
      </form>
    </Modal>
  )
}

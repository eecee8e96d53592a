import { useSession } from '../../api/api-context.js'
import type { ApiKey } from '../../api-types.js'
import { ErrorMessage, FieldError } from '../../components/alerts.js'
import { FormActions } from '../../components/form-actions.js'
import { LimitsFields } from '../../components/limits-fields.js'
import { Modal } from '../../components/modal.js'
import { EXPIRY_LABELS, extensionBase, resolveExpiry } from '../../lib/expiry.js'
import { formatDate } from '../../lib/format.js'
import {
  buildUpdateBody,
  type EditKeyForm,
  editFormFor,
  NAME_MAX_LENGTH,
} from '../../lib/key-form.js'
import { DescriptionField, ExpiryFields, RestrictionsFields } from './key-form-fields.js'
import { PermissionsFields } from './permissions-fields.js'
import { useKeyForm } from './use-key-form.js'

interface EditKeyDialogProps {
  apiKey: ApiKey
  modelNames: string[]
  onClose: () => void
  onSaved: (key: ApiKey) => void
}

const EXPIRY_OPTIONS: readonly { value: EditKeyForm['expiry']; label: string }[] = [
  { value: 'keep', label: 'Keep current' },
  ...(['7d', '1m', '6m', '1y'] as const).map((value) => ({
    value,
    label: `Extend by ${EXPIRY_LABELS[value]}`,
  })),
  { value: 'never', label: EXPIRY_LABELS.never },
  { value: 'custom', label: EXPIRY_LABELS.custom },
]

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
  const { id, form, set, errors, busy, submit, invalid } = useKeyForm(() => editFormFor(apiKey))

  return (
    <Modal title={`Edit API Key “${apiKey.name}”`} onClose={onClose} size="wide">
      <form
        onSubmit={(e) =>
          submit(e, buildUpdateBody(form, apiKey, new Date()), async (body) =>
            onSaved(await api.put<ApiKey>(`/v2/api-keys/${apiKey.id}`, body)),
          )
        }
        noValidate
      >
        <ErrorMessage>{errors.general}</ErrorMessage>
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
        <dl class="facts">
          <dt>Key</dt>
          <dd>
            <code>{apiKey.masked_value}</code>
          </dd>
        </dl>
        <DescriptionField
          value={form.description}
          onInput={(description) => set({ description })}
        />
        <PermissionsFields
          value={form.permissions}
          onChange={(permissions) => set({ permissions })}
          modelNames={modelNames}
          error={errors.allowedModels}
        />
        <LimitsFields
          id={`${id}-limits`}
          value={form.limits}
          onChange={(limits) => set({ limits })}
          errors={errors}
          hint="Empty: no limit of the key's own. Its owner's limits apply on top."
        />
        <RestrictionsFields
          id={id}
          allowedIps={form.allowedIps}
          metadata={form.metadata}
          onChange={set}
          errors={errors}
          invalid={invalid}
        />
        <ExpiryFields
          options={EXPIRY_OPTIONS}
          expiry={form.expiry}
          customDate={form.customDate}
          onChange={set}
          hint={expiryPreview(form, apiKey, new Date())}
          error={errors.expiry}
          errorId={`${id}-expiry`}
          invalid={invalid('expiry')}
        />
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

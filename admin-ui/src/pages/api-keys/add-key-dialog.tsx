import { useSession } from '../../api/api-context.js'
import type { CreatedApiKey } from '../../api-types.js'
import { ErrorMessage, FieldError } from '../../components/alerts.js'
import { FormActions } from '../../components/form-actions.js'
import { LimitsFields } from '../../components/limits-fields.js'
import { Modal } from '../../components/modal.js'
import { EXPIRY_LABELS, type ExpiryChoice } from '../../lib/expiry.js'
import { buildCreateBody, emptyAddForm, NAME_MAX_LENGTH } from '../../lib/key-form.js'
import { DescriptionField, ExpiryFields, RestrictionsFields } from './key-form-fields.js'
import { PermissionsFields } from './permissions-fields.js'
import { useKeyForm } from './use-key-form.js'

interface AddKeyDialogProps {
  modelNames: string[]
  onClose: () => void
  onCreated: (key: CreatedApiKey) => void
}

const EXPIRY_OPTIONS = (['7d', '1m', '6m', '1y', 'never', 'custom'] as const).map(
  (value): { value: ExpiryChoice; label: string } => ({ value, label: EXPIRY_LABELS[value] }),
)

export function AddKeyDialog({ modelNames, onClose, onCreated }: AddKeyDialogProps) {
  const { api } = useSession()
  const { id, form, set, errors, busy, submit, invalid } = useKeyForm(emptyAddForm)

  return (
    <Modal title="Add API Key" onClose={onClose} size="wide">
      <form
        onSubmit={(e) =>
          submit(e, buildCreateBody(form, new Date()), async (body) =>
            onCreated(await api.post<CreatedApiKey>('/v2/api-keys', body)),
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
        <DescriptionField
          value={form.description}
          onInput={(description) => set({ description })}
        />
        <ExpiryFields
          options={EXPIRY_OPTIONS}
          expiry={form.expiry}
          customDate={form.customDate}
          onChange={set}
          error={errors.expiry}
          errorId={`${id}-expiry`}
          invalid={invalid('expiry')}
        />
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
        <FormActions onCancel={onClose} busy={busy} />
      </form>
    </Modal>
  )
}

import { useEffect, useState } from 'preact/hooks'
import { ApiError, errorMessage, fetchAllPages } from '../../api/api-client.js'
import { useSession } from '../../api/api-context.js'
import type {
  AccessPolicy,
  AdminModel,
  Backend,
  CreateModelBody,
  ModelKeyAllowlists,
  User,
} from '../../api-types.js'
import { ErrorMessage, FieldError } from '../../components/alerts.js'
import { FormActions } from '../../components/form-actions.js'
import { Modal } from '../../components/modal.js'
import { SelectField } from '../../components/select-field.js'
import { BACKEND_LABELS } from '../../lib/format.js'
import {
  buildModelBody,
  emptyModelForm,
  type ModelForm,
  type ModelFormErrors,
  modelFormFor,
} from '../../lib/model-form.js'
import { useFormSubmit } from '../../lib/use-form-submit.js'
import { InstancesFields } from './instances-fields.js'

/** A taken name is shown beside the name; anything else above the form (`general`). */
function modelRefusal(err: unknown): ModelFormErrors {
  if (err instanceof ApiError && err.param !== null && FIELD_PARAMS.has(err.param)) {
    return { [err.param]: err.message }
  }
  return { general: errorMessage(err) }
}

/** Refusals shown beside their field rather than above the form. */
const FIELD_PARAMS = new Set(['name', 'input_price_per_mtok', 'output_price_per_mtok'])

interface ModelFormDialogProps {
  /** Absent: add a model. */
  model?: AdminModel
  onClose: () => void
  onSaved: (model: AdminModel) => void
}

export function ModelFormDialog({ model, onClose, onSaved }: ModelFormDialogProps) {
  const { api } = useSession()
  const [form, setForm] = useState<ModelForm>(() =>
    model ? modelFormFor(model) : emptyModelForm(),
  )
  const { errors, busy, submit } = useFormSubmit<ModelFormErrors>({}, modelRefusal)
  const [users, setUsers] = useState<User[]>([])
  const set = (patch: Partial<ModelForm>) => setForm((f) => ({ ...f, ...patch }))

  // How many keys' allowlists name the model: a rename carries them along, and the dialog says so first.
  const [allowlists, setAllowlists] = useState<number | undefined>(undefined)
  useEffect(() => {
    if (model === undefined) {
      return
    }
    api
      .get<ModelKeyAllowlists>(`/v2/models/${model.id}/key-allowlists`)
      .then((r) => setAllowlists(r.key_count))
      .catch(() => setAllowlists(undefined))
  }, [api, model])
  const renaming = model !== undefined && form.name.trim() !== '' && form.name.trim() !== model.name

  useEffect(() => {
    fetchAllPages<User>(api, '/v2/users')
      .then(setUsers)
      .catch(() => setUsers([]))
  }, [api])

  async function send(body: CreateModelBody) {
    onSaved(
      model
        ? await api.put<AdminModel>(`/v2/models/${model.id}`, body)
        : await api.post<AdminModel>('/v2/models', body),
    )
  }

  return (
    <Modal title={model ? `Edit model “${model.name}”` : 'Add model'} onClose={onClose} size="wide">
      <form onSubmit={(e) => submit(e, buildModelBody(form), send)} noValidate>
        <ErrorMessage>{errors.general}</ErrorMessage>
        <div class="field-row">
          <label class="field grow">
            <span>Name</span>
            <input
              value={form.name}
              aria-invalid={errors.name !== undefined}
              onInput={(e) => set({ name: e.currentTarget.value })}
            />
          </label>
          <SelectField
            class="field"
            label="Backend"
            value={form.backend}
            onChange={(e) => set({ backend: e.currentTarget.value as Backend })}
          >
            {(Object.keys(BACKEND_LABELS) as Backend[]).map((b) => (
              <option key={b} value={b}>
                {BACKEND_LABELS[b]}
              </option>
            ))}
          </SelectField>
        </div>
        <FieldError id="model-name-error" message={errors.name} />
        {renaming && allowlists !== undefined && allowlists > 0 && (
          <p class="hint warning" role="note">
            {allowlists === 1 ? '1 API key names' : `${allowlists} API keys name`} “{model.name}” in
            {allowlists === 1 ? ' its' : ' their'} allowlist; on saving,{' '}
            {allowlists === 1 ? 'it follows' : 'they follow'} the rename to “{form.name.trim()}”.
          </p>
        )}
        <label class="field">
          <span>Description</span>
          <input
            value={form.description}
            onInput={(e) => set({ description: e.currentTarget.value })}
          />
        </label>
        <div class="field-row">
          <label class="field grow">
            <span>Upstream model name</span>
            <input
              value={form.upstreamModelName}
              placeholder="Same as the name"
              onInput={(e) => set({ upstreamModelName: e.currentTarget.value })}
            />
          </label>
          <SelectField
            class="field"
            label="Access policy"
            value={form.accessPolicy}
            onChange={(e) => set({ accessPolicy: e.currentTarget.value as AccessPolicy })}
          >
            <option value="authed">All users</option>
            <option value="allowed_users">Allowed users</option>
          </SelectField>
        </div>
        {form.accessPolicy === 'allowed_users' && (
          <fieldset class="model-picker">
            <legend>Users with access</legend>
            {users.map((u) => (
              <label key={u.id} class="check">
                <input
                  type="checkbox"
                  checked={form.allowedUserIds.includes(u.id)}
                  onChange={(e) =>
                    set({
                      allowedUserIds: e.currentTarget.checked
                        ? [...form.allowedUserIds, u.id]
                        : form.allowedUserIds.filter((id) => id !== u.id),
                    })
                  }
                />
                {u.username}
              </label>
            ))}
          </fieldset>
        )}
        <div class="field-row">
          <label class="field grow">
            <span>Input price per 1M tokens</span>
            <input
              inputMode="decimal"
              value={form.inputPrice}
              placeholder="None"
              aria-invalid={errors.input_price_per_mtok !== undefined}
              aria-describedby="model-input-price-error"
              onInput={(e) => set({ inputPrice: e.currentTarget.value })}
            />
          </label>
          <label class="field grow">
            <span>Output price per 1M tokens</span>
            <input
              inputMode="decimal"
              value={form.outputPrice}
              placeholder="None"
              aria-invalid={errors.output_price_per_mtok !== undefined}
              aria-describedby="model-output-price-error"
              onInput={(e) => set({ outputPrice: e.currentTarget.value })}
            />
          </label>
        </div>
        <FieldError id="model-input-price-error" message={errors.input_price_per_mtok} />
        <FieldError id="model-output-price-error" message={errors.output_price_per_mtok} />
        <p class="muted small">
          In the installation’s currency. A new price applies to today’s usage and later; earlier
          days keep the price they had.
        </p>
        <InstancesFields
          instances={form.instances}
          errors={errors}
          onChange={(instances) => set({ instances })}
        />
        <FormActions onCancel={onClose} busy={busy} />
      </form>
    </Modal>
  )
}

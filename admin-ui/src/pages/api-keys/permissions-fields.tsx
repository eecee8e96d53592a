import { useId } from 'preact/hooks'
import { FieldError } from '../../components/alerts.js'
import { hasNoAccess, type PermissionsState } from '../../lib/key-form.js'

interface PermissionsFieldsProps {
  value: PermissionsState
  onChange: (next: PermissionsState) => void
  modelNames: string[]
  error: string | undefined
}

/** Access Permissions, named as in GPUStack: Platform Management, Model Access (All models / Allowed models). */
export function PermissionsFields({ value, onChange, modelNames, error }: PermissionsFieldsProps) {
  const id = useId()
  const set = (patch: Partial<PermissionsState>) => onChange({ ...value, ...patch })
  // A model named in the key but no longer listed stays visible, so it can be unticked.
  const choices = [...new Set([...modelNames, ...value.allowedModels])]
  const toggleModel = (name: string, on: boolean) =>
    set({
      allowedModels: on
        ? [...value.allowedModels, name]
        : value.allowedModels.filter((m) => m !== name),
    })

  return (
    <fieldset class="fieldset">
      <legend>Access Permissions</legend>
      <label class="check">
        <input
          type="checkbox"
          checked={value.platformManagement}
          aria-describedby={`${id}-pm`}
          onChange={(e) => set({ platformManagement: e.currentTarget.checked })}
        />
        Platform Management
      </label>
      <p id={`${id}-pm`} class="hint indent">
        Grants access to the management API (/v2): API keys, users and models, with the owner's
        rights.
      </p>
      <label class="check">
        <input
          type="checkbox"
          checked={value.modelAccess}
          aria-describedby={`${id}-ma`}
          onChange={(e) => set({ modelAccess: e.currentTarget.checked })}
        />
        Model Access
      </label>
      <p id={`${id}-ma`} class="hint indent">
        Grants access to the inference API (/v1).
      </p>
      {value.modelAccess && (
        <div class="indent">
          <div class="radio-row" role="radiogroup" aria-label="Models this key may use">
            <label class="check">
              <input
                type="radio"
                name={`${id}-mode`}
                checked={value.modelMode === 'all'}
                onChange={() => set({ modelMode: 'all' })}
              />
              All models
            </label>
            <label class="check">
              <input
                type="radio"
                name={`${id}-mode`}
                checked={value.modelMode === 'allowed'}
                onChange={() => set({ modelMode: 'allowed' })}
              />
              Allowed models
            </label>
          </div>
          {value.modelMode === 'allowed' && (
            <fieldset class="model-picker" aria-describedby={`${id}-models-error`}>
              <legend>Select allowed models</legend>
              {choices.length === 0 && <p class="hint">No models are available yet.</p>}
              {choices.map((name) => (
                <label key={name} class="check">
                  <input
                    type="checkbox"
                    checked={value.allowedModels.includes(name)}
                    onChange={(e) => toggleModel(name, e.currentTarget.checked)}
                  />
                  {name}
                </label>
              ))}
              <FieldError id={`${id}-models-error`} message={error} />
            </fieldset>
          )}
        </div>
      )}
      {hasNoAccess(value) && (
        <p class="hint warning" role="note">
          No permission selected: this key will have no access.
        </p>
      )}
    </fieldset>
  )
}

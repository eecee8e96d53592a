import { FieldError } from '../../components/alerts.js'
import { emptyInstance, type InstanceForm, type ModelFormErrors } from '../../lib/model-form.js'

interface InstancesFieldsProps {
  instances: InstanceForm[]
  errors: ModelFormErrors
  onChange: (next: InstanceForm[]) => void
}

/** One fieldset per engine instance: URL, Weight, Worker and a write-only API key. */
export function InstancesFields({ instances, errors, onChange }: InstancesFieldsProps) {
  const update = (index: number, patch: Partial<InstanceForm>) =>
    onChange(instances.map((inst, i) => (i === index ? { ...inst, ...patch } : inst)))
  return (
    <fieldset class="fieldset">
      <legend>Instances</legend>
      <FieldError id="instances-error" message={errors.instances} />
      {instances.map((inst, index) => {
        const n = index + 1
        return (
          <fieldset key={index} class="instance-row">
            <legend>Instance {n}</legend>
            <label class="field grow">
              <span>URL</span>
              <input
                type="url"
                placeholder="http://10.0.3.7:8000"
                value={inst.url}
                aria-invalid={errors[`instances.${index}.url`] !== undefined}
                onInput={(e) => update(index, { url: e.currentTarget.value })}
              />
            </label>
            <label class="field small">
              <span>Weight</span>
              <input
                type="number"
                min={1}
                max={1000}
                value={inst.weight}
                onInput={(e) => update(index, { weight: e.currentTarget.value })}
              />
            </label>
            <label class="field">
              <span>Worker</span>
              <input
                value={inst.worker}
                placeholder="node or pod"
                onInput={(e) => update(index, { worker: e.currentTarget.value })}
              />
            </label>
            <label class="field">
              <span>API key</span>
              <input
                type="password"
                autoComplete="off"
                placeholder={inst.hasApiKey ? 'Stored; leave blank to keep' : 'Optional'}
                value={inst.apiKey}
                onInput={(e) => update(index, { apiKey: e.currentTarget.value })}
              />
            </label>
            <button
              type="button"
              class="btn btn-small btn-danger-quiet"
              aria-label={`Remove instance ${n}`}
              onClick={() => onChange(instances.filter((_, i) => i !== index))}
            >
              Remove
            </button>
            <FieldError id={`instance-${n}-url`} message={errors[`instances.${index}.url`]} />
            <FieldError id={`instance-${n}-weight`} message={errors[`instances.${index}.weight`]} />
          </fieldset>
        )
      })}
      <button type="button" class="btn" onClick={() => onChange([...instances, emptyInstance()])}>
        Add instance
      </button>
    </fieldset>
  )
}

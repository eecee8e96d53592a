import { SelectField } from '../../components/select-field.js'

interface ModelSelectProps {
  models: readonly string[]
  value: string
  onChange: (model: string) => void
  class?: string
}

/** The "Model" choice of the Try it snippets. */
export function ModelSelect({
  models,
  value,
  onChange,
  class: className = 'field',
}: ModelSelectProps) {
  return (
    <SelectField
      class={className}
      label="Model"
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
    >
      {models.map((name) => (
        <option key={name} value={name}>
          {name}
        </option>
      ))}
    </SelectField>
  )
}

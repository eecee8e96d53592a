import { useState } from 'preact/hooks'
import type { ApiKey } from '../../api-types.js'
import { SelectField } from '../../components/select-field.js'
import { ModelSelect } from './model-select.js'
import { SnippetView } from './snippet-view.js'

interface TryItPanelProps {
  keys: ApiKey[]
  modelNames: string[]
}

/** Snippets for a listed key; the key is masked because the full value was shown only once, at creation. */
export function TryItPanel({ keys, modelNames }: TryItPanelProps) {
  const usable = keys.filter((k) => k.scope.includes('inference'))
  const [keyId, setKeyId] = useState<number | null>(null)
  const [model, setModel] = useState<string | null>(null)
  const key = usable.find((k) => k.id === keyId) ?? usable[0]
  const models = key && key.allowed_model_names.length > 0 ? key.allowed_model_names : modelNames
  const chosenModel = model !== null && models.includes(model) ? model : (models[0] ?? 'your-model')

  return (
    <section class="card try-it" aria-labelledby="try-it-title">
      <h3 id="try-it-title">Try it</h3>
      {key === undefined ? (
        <p class="muted">Create a key with Model Access to see how to call a model with it.</p>
      ) : (
        <>
          <div class="field-row">
            <SelectField
              class="field"
              label="API key"
              value={String(key.id)}
              onChange={(e) => setKeyId(Number(e.currentTarget.value))}
            >
              {usable.map((k) => (
                <option key={k.id} value={String(k.id)}>
                  {k.name} ({k.masked_value})
                </option>
              ))}
            </SelectField>
            <ModelSelect models={models} value={chosenModel} onChange={setModel} />
          </div>
          <p class="hint">
            The key is masked: replace it with the full value you copied when the key was created.
          </p>
          <SnippetView keyText={key.masked_value} model={chosenModel} />
        </>
      )}
    </section>
  )
}

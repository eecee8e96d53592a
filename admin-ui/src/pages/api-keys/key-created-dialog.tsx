import { useState } from 'preact/hooks'
import type { CreatedApiKey } from '../../api-types.js'
import { CopyButton } from '../../components/copy-button.js'
import { Modal } from '../../components/modal.js'
import { ModelSelect } from './model-select.js'
import { SnippetView } from './snippet-view.js'

interface KeyCreatedDialogProps {
  created: CreatedApiKey
  modelNames: string[]
  /** The parent drops its only reference to the value here. */
  onDone: () => void
}

/** The one place the full key is ever shown; Escape counts as Done. */
export function KeyCreatedDialog({ created, modelNames, onDone }: KeyCreatedDialogProps) {
  const models = created.allowed_model_names.length > 0 ? created.allowed_model_names : modelNames
  const [model, setModel] = useState(models[0] ?? 'your-model')
  const canInfer = created.scope.includes('inference')
  return (
    <Modal title="API key created" onClose={onDone} size="wide">
      <p>
        The API key <strong>{created.name}</strong> has been created.
      </p>
      <div class="secret-box">
        <code class="secret" data-testid="new-key-value">
          {created.value}
        </code>
        <CopyButton text={created.value} />
      </div>
      <p class="alert alert-warning">
        {created.is_custom
          ? 'This is the custom value you entered. Keygate stores only a hash of it and will not show it again.'
          : 'Copy this key now and store it somewhere safe. It will not be shown again.'}
      </p>
      {canInfer && (
        <details class="try-it-inline">
          <summary>Try it with this key</summary>
          <ModelSelect
            class="field inline-field"
            models={models}
            value={model}
            onChange={setModel}
          />
          <SnippetView keyText={created.value} model={model} />
        </details>
      )}
      <div class="form-actions">
        <button type="button" class="btn btn-primary" onClick={onDone}>
          Done
        </button>
      </div>
    </Modal>
  )
}

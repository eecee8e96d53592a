import { useState } from 'preact/hooks'
import type { CreatedApiKey } from '../../api-types.js'
import { CopyButton } from '../../components/copy-button.js'
import { Modal } from '../../components/modal.js'
import { formatDateTime } from '../../lib/format.js'
import { ModelSelect } from './model-select.js'
import { SnippetView } from './snippet-view.js'

interface KeyCreatedDialogProps {
  created: CreatedApiKey
  modelNames: string[]
  /** 'rotated': the same dialog after a rotation (the key keeps its name and settings, the value is new). */
  reason?: 'created' | 'rotated'
  /** The parent drops its only reference to the value here. */
  onDone: () => void
}

/** The one place the full key is ever shown; Escape counts as Done. */
export function KeyCreatedDialog({
  created,
  modelNames,
  onDone,
  reason = 'created',
}: KeyCreatedDialogProps) {
  const models = created.allowed_model_names.length > 0 ? created.allowed_model_names : modelNames
  const [model, setModel] = useState(models[0] ?? 'your-model')
  const canInfer = created.scope.includes('inference')
  return (
    <Modal
      title={reason === 'rotated' ? 'API key rotated' : 'API key created'}
      onClose={onDone}
      size="wide"
    >
      <p>
        {reason === 'rotated' ? (
          <>
            The API key <strong>{created.name}</strong> has a new value.{' '}
            {created.previous_value_expires_at === null
              ? 'The old value no longer works.'
              : `The old value keeps working until ${formatDateTime(created.previous_value_expires_at, '')}.`}
          </>
        ) : (
          <>
            The API key <strong>{created.name}</strong> has been created.
          </>
        )}
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

import { FieldError } from '../../components/alerts.js'
import { SelectField } from '../../components/select-field.js'
import { DESCRIPTION_MAX_LENGTH } from '../../lib/key-form.js'
import { ExpiryDateField } from './expiry-date-field.js'
import type { InvalidProps } from './use-key-form.js'

export function DescriptionField({
  value,
  onInput,
}: {
  value: string
  onInput: (v: string) => void
}) {
  return (
    <label class="field">
      <span>Description</span>
      <textarea
        rows={2}
        maxLength={DESCRIPTION_MAX_LENGTH}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </label>
  )
}

interface ExpiryFieldsProps<C extends string> {
  options: readonly { value: C; label: string }[]
  expiry: C
  customDate: string
  onChange: (patch: { expiry?: C; customDate?: string }) => void
  /** Shown under the fields, before the error (Edit says what Save would set). */
  hint?: string
  error: string | undefined
  errorId: string
  invalid: InvalidProps
}

/** The Expiration menu, the date picker its Custom choice opens, and the expiry's error message. */
export function ExpiryFields<C extends string>(props: ExpiryFieldsProps<C>) {
  const { options, expiry, customDate, onChange, hint, error, errorId, invalid } = props
  return (
    <>
      <div class="field-row">
        <SelectField
          class="field"
          label="Expiration"
          value={expiry}
          onChange={(e) => {
            const chosen = options.find((o) => o.value === e.currentTarget.value)
            if (chosen !== undefined) {
              onChange({ expiry: chosen.value })
            }
          }}
          {...invalid}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </SelectField>
        {expiry === 'custom' && (
          <ExpiryDateField
            value={customDate}
            onInput={(date) => onChange({ customDate: date })}
            invalidProps={invalid}
          />
        )}
      </div>
      {hint !== undefined && <p class="hint">{hint}</p>}
      <FieldError id={errorId} message={error} />
    </>
  )
}

interface RestrictionsFieldsProps {
  id: string
  allowedIps: string
  metadata: string
  onChange: (patch: { allowedIps?: string; metadata?: string }) => void
  errors: { allowedIps?: string; metadata?: string }
  invalid: (field: 'allowedIps' | 'metadata') => InvalidProps
}

/** Where the key may be used from, and its free-form labels (lists filter on them: ?metadata.team=ml). */
export function RestrictionsFields(props: RestrictionsFieldsProps) {
  const { id, allowedIps, metadata, onChange, errors, invalid } = props
  return (
    <fieldset class="fieldset">
      <legend>Client addresses and labels</legend>
      <label class="field">
        <span>Allowed client addresses</span>
        <textarea
          rows={2}
          placeholder="Anywhere"
          value={allowedIps}
          onInput={(e) => onChange({ allowedIps: e.currentTarget.value })}
          {...invalid('allowedIps')}
        />
      </label>
      <p class="hint">
        IPv4 or IPv6 addresses or CIDRs (10.0.0.0/8), separated by commas or new lines. A request
        from anywhere else gets 403. Empty: anywhere.
      </p>
      <FieldError id={`${id}-allowedIps`} message={errors.allowedIps} />
      <label class="field">
        <span>Metadata</span>
        <textarea
          rows={2}
          placeholder="team=ml"
          value={metadata}
          onInput={(e) => onChange({ metadata: e.currentTarget.value })}
          {...invalid('metadata')}
        />
      </label>
      <p class="hint">One name=value per line, at most 16.</p>
      <FieldError id={`${id}-metadata`} message={errors.metadata} />
    </fieldset>
  )
}

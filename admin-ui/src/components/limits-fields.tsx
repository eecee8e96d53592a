import type { BudgetPeriod, LimitErrors, LimitInput, LimitsState } from '../lib/limit-form.js'
import { FieldError } from './alerts.js'
import { SelectField } from './select-field.js'

interface LimitsFieldsProps {
  value: LimitsState
  onChange: (limits: LimitsState) => void
  errors: LimitErrors
  /** Prefix of the ids tying an input to its error. */
  id: string
  /** Under the legend: whose limits these are. */
  hint: string
}

const INPUTS: readonly { input: LimitInput; label: string }[] = [
  { input: 'rpm', label: 'Requests per minute' },
  { input: 'tpm', label: 'Tokens per minute' },
  { input: 'parallel', label: 'Parallel requests' },
  { input: 'budget', label: 'Token budget' },
]

const PERIODS: readonly BudgetPeriod[] = ['day', 'week', 'month']

/** Rate limits, parallel requests and a token budget; an empty input means no limit. */
export function LimitsFields({ value, onChange, errors, id, hint }: LimitsFieldsProps) {
  return (
    <fieldset class="fieldset">
      <legend>Limits</legend>
      <p class="hint">{hint}</p>
      <div class="field-row">
        {INPUTS.map(({ input, label }) => (
          <label class="field" key={input}>
            <span>{label}</span>
            <input
              inputMode="numeric"
              placeholder="No limit"
              name={input}
              value={value[input]}
              onInput={(e) => onChange({ ...value, [input]: e.currentTarget.value })}
              {...(errors[input] === undefined
                ? {}
                : { 'aria-invalid': true, 'aria-describedby': `${id}-${input}` })}
            />
            <FieldError id={`${id}-${input}`} message={errors[input]} />
          </label>
        ))}
        <SelectField
          class="field"
          label="Budget period"
          value={value.period}
          onChange={(e) => {
            const period = PERIODS.find((p) => p === e.currentTarget.value)
            if (period !== undefined) {
              onChange({ ...value, period })
            }
          }}
        >
          {PERIODS.map((p) => (
            <option key={p} value={p}>
              {p === 'day'
                ? 'Per day (UTC)'
                : p === 'week'
                  ? 'Per week (from Monday)'
                  : 'Per month'}
            </option>
          ))}
        </SelectField>
      </div>
    </fieldset>
  )
}

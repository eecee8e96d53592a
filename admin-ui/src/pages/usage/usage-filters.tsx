import type { ApiKey, Model, User } from '../../api-types.js'
import { SelectField } from '../../components/select-field.js'
import { RANGE_LABELS, type RangePreset, type UsageFilters } from '../../lib/usage-data.js'

interface UsageFiltersProps {
  preset: RangePreset
  filters: UsageFilters
  isAdmin: boolean
  users: User[]
  keys: ApiKey[]
  models: Model[]
  onPreset: (preset: RangePreset) => void
  onChange: (patch: Partial<UsageFilters>) => void
}

export function UsageFiltersBar(props: UsageFiltersProps) {
  const { preset, filters, isAdmin, users, keys, models, onPreset, onChange } = props
  // Only the keys of the user chosen (all of them for everyone, or one's own).
  const shownKeys =
    filters.userId === '' || filters.userId === '*'
      ? keys
      : keys.filter((k) => String(k.user_id) === filters.userId)
  return (
    <div class="toolbar usage-filters">
      <SelectField
        label="Time range"
        value={preset}
        onChange={(e) => onPreset(e.currentTarget.value as RangePreset)}
      >
        {(Object.keys(RANGE_LABELS) as RangePreset[]).map((p) => (
          <option key={p} value={p}>
            {RANGE_LABELS[p]}
          </option>
        ))}
      </SelectField>
      {preset === 'custom' && (
        <>
          <label class="field">
            <span>From (UTC)</span>
            <input
              type="date"
              value={filters.from}
              max={filters.to}
              onChange={(e) =>
                e.currentTarget.value !== '' && onChange({ from: e.currentTarget.value })
              }
            />
          </label>
          <label class="field">
            <span>To (UTC)</span>
            <input
              type="date"
              value={filters.to}
              min={filters.from}
              onChange={(e) =>
                e.currentTarget.value !== '' && onChange({ to: e.currentTarget.value })
              }
            />
          </label>
        </>
      )}
      {isAdmin && (
        <SelectField
          label="User"
          value={filters.userId}
          onChange={(e) => onChange({ userId: e.currentTarget.value, apiKeyId: '' })}
        >
          <option value="*">All users</option>
          {users.map((u) => (
            <option key={u.id} value={String(u.id)}>
              {u.username}
            </option>
          ))}
        </SelectField>
      )}
      <SelectField
        label="API key"
        value={filters.apiKeyId}
        onChange={(e) => onChange({ apiKeyId: e.currentTarget.value })}
      >
        <option value="">All keys</option>
        {shownKeys.map((k) => (
          <option key={k.id} value={String(k.id)}>
            {isAdmin ? `${k.name} (${k.user_name})` : k.name}
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Model"
        value={filters.model}
        onChange={(e) => onChange({ model: e.currentTarget.value })}
      >
        <option value="">All models</option>
        {models.map((m) => (
          <option key={m.id} value={m.name}>
            {m.name}
          </option>
        ))}
      </SelectField>
    </div>
  )
}

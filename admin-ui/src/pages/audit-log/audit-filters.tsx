import { useEffect, useState } from 'preact/hooks'
import { useSession } from '../../api/api-context.js'
import type { Page, User } from '../../api-types.js'
import { SelectField } from '../../components/select-field.js'
import {
  ACTION_LABELS,
  ACTOR_KIND_LABELS,
  type AuditFilters,
  NO_FILTERS,
  TARGET_LABELS,
} from '../../lib/audit-view.js'

interface AuditFiltersProps {
  value: AuditFilters
  onChange: (next: AuditFilters) => void
}

/** The users to pick an actor from (an admin sees them all). */
function useUsers(): User[] {
  const { api } = useSession()
  const [users, setUsers] = useState<User[]>([])
  useEffect(() => {
    let live = true
    api
      .get<Page<User>>('/v2/users?perPage=1000&sort_by=username')
      .then((page) => live && setUsers(page.items))
      .catch(() => live && setUsers([]))
    return () => {
      live = false
    }
  }, [api])
  return users
}

/** Actor, target, action and days; every change is a new query at once (no Apply button). */
export function AuditFiltersBar({ value, onChange }: AuditFiltersProps) {
  const users = useUsers()
  const set = (patch: Partial<AuditFilters>) => onChange({ ...value, ...patch })
  const [targetId, setTargetId] = useState(value.target_id)
  useEffect(() => setTargetId(value.target_id), [value.target_id])

  return (
    <form
      class="filters"
      aria-label="Filter the audit log"
      onSubmit={(e) => {
        e.preventDefault()
        set({ target_id: targetId.trim() })
      }}
    >
      <SelectField
        label="Actor"
        value={value.actor}
        onChange={(e) => set({ actor: e.currentTarget.value })}
      >
        <option value="">Anyone</option>
        {(['user', 'cli', 'system'] as const).map((kind) => (
          <option key={kind} value={`kind:${kind}`}>
            {kind === 'user' ? 'Any user' : ACTOR_KIND_LABELS[kind]}
          </option>
        ))}
        {users.map((u) => (
          <option key={u.id} value={`user:${u.id}`}>
            {u.username}
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Action"
        value={value.action}
        onChange={(e) => set({ action: e.currentTarget.value })}
      >
        <option value="">Any action</option>
        {Object.entries(ACTION_LABELS).map(([action, label]) => (
          <option key={action} value={action}>
            {label} ({action})
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Target type"
        value={value.target_type}
        onChange={(e) => set({ target_type: e.currentTarget.value })}
      >
        <option value="">Any target</option>
        {Object.entries(TARGET_LABELS).map(([type, label]) => (
          <option key={type} value={type}>
            {label}
          </option>
        ))}
      </SelectField>
      <label class="field small-field">
        <span>Target id</span>
        <input
          value={targetId}
          inputMode="numeric"
          maxLength={256}
          onInput={(e) => setTargetId(e.currentTarget.value)}
          onBlur={() => targetId.trim() !== value.target_id && set({ target_id: targetId.trim() })}
        />
      </label>
      <label class="field small-field">
        <span>From</span>
        <input
          type="date"
          value={value.from}
          onChange={(e) => set({ from: e.currentTarget.value })}
        />
      </label>
      <label class="field small-field">
        <span>To</span>
        <input type="date" value={value.to} onChange={(e) => set({ to: e.currentTarget.value })} />
      </label>
      <div class="filters-actions">
        <button type="submit" class="btn">
          Apply
        </button>
        <button type="button" class="btn btn-quiet" onClick={() => onChange(NO_FILTERS)}>
          Clear filters
        </button>
      </div>
    </form>
  )
}

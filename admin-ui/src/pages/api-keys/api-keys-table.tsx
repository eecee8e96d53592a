import type { ApiKey } from '../../api-types.js'
import { SortHeader } from '../../components/sort-header.js'
import { isExpired, isExpiringSoon } from '../../lib/expiry.js'
import { formatDate, formatDateTime, permissionLines } from '../../lib/format.js'
import { LimitsCell } from './limits-cell.js'

interface ApiKeysTableProps {
  keys: ApiKey[]
  showCreator: boolean
  sortBy: string
  onSort: (sortBy: string) => void
  selected: ReadonlySet<number>
  onSelect: (ids: number[], on: boolean) => void
  onEdit: (key: ApiKey) => void
  onRotate: (key: ApiKey) => void
  /** Opens the key's usage: its last 30 days and when it was last used. */
  onUsage: (key: ApiKey) => void
  onDelete: (key: ApiKey) => void
}

/** The masked key, allowed to break after its ellipsis only, so a wide table can give the column up first. */
function MaskedValue({ masked }: { masked: string }) {
  const cut = masked.indexOf('…')
  if (cut < 0) {
    return <code class="nowrap">{masked}</code>
  }
  return (
    <code>
      {masked.slice(0, cut + 1)}
      <wbr />
      {masked.slice(cut + 1)}
    </code>
  )
}

function ExpirationCell({ apiKey, now }: { apiKey: ApiKey; now: Date }) {
  if (apiKey.expires_at === null) {
    return (
      <td class="nowrap" data-label="Expiration">
        Never
      </td>
    )
  }
  const expired = isExpired(apiKey.expires_at, now)
  return (
    <td class={expired ? 'nowrap text-danger' : 'nowrap'} data-label="Expiration">
      {formatDate(apiKey.expires_at)}
      {isExpiringSoon(apiKey.expires_at, now) && (
        <span class="badge badge-warning" title="Expires within 7 days">
          Expires soon
        </span>
      )}
    </td>
  )
}

/** What the gateway does with the key now: a disabled or expired key is refused, an active one works. */
function StatusBadge({ apiKey, now }: { apiKey: ApiKey; now: Date }) {
  if (!apiKey.is_active) {
    return <span class="badge badge-muted">Disabled</span>
  }
  if (isExpired(apiKey.expires_at, now)) {
    return <span class="badge badge-danger">Expired</span>
  }
  return <span class="badge badge-ok">Active</span>
}

export function ApiKeysTable(props: ApiKeysTableProps) {
  const {
    keys,
    showCreator,
    sortBy,
    onSort,
    selected,
    onSelect,
    onEdit,
    onRotate,
    onUsage,
    onDelete,
  } = props
  const now = new Date()
  const allSelected = keys.length > 0 && keys.every((k) => selected.has(k.id))
  return (
    <div class="table-wrap">
      <table class="table table-cards">
        <thead>
          <tr>
            <th scope="col" class="col-check">
              <input
                type="checkbox"
                aria-label="Select all keys on this page"
                checked={allSelected}
                disabled={keys.length === 0}
                onChange={(e) =>
                  onSelect(
                    keys.map((k) => k.id),
                    e.currentTarget.checked,
                  )
                }
              />
            </th>
            <SortHeader label="Name" field="name" textField sortBy={sortBy} onSort={onSort} />
            <th scope="col">Key</th>
            {showCreator && <th scope="col">Creator</th>}
            <th scope="col">Permissions</th>
            <th scope="col">Limits</th>
            <SortHeader label="Expiration" field="expires_at" sortBy={sortBy} onSort={onSort} />
            <th scope="col">Status</th>
            <SortHeader label="Last used" field="last_used_at" sortBy={sortBy} onSort={onSort} />
            <SortHeader label="Created" field="created_at" sortBy={sortBy} onSort={onSort} />
            <th scope="col">Operations</th>
          </tr>
        </thead>
        <tbody>
          {keys.length === 0 && (
            <tr>
              <td colSpan={showCreator ? 11 : 10} class="empty">
                No API keys found.
              </td>
            </tr>
          )}
          {keys.map((key) => (
            <tr key={key.id} class={isExpired(key.expires_at, now) ? 'row-expired' : undefined}>
              <td class="col-check" data-label="Select">
                <input
                  type="checkbox"
                  aria-label={`Select ${key.name}`}
                  checked={selected.has(key.id)}
                  onChange={(e) => onSelect([key.id], e.currentTarget.checked)}
                />
              </td>
              <th scope="row" class="cell-name">
                {key.name}
                {key.description !== '' && <span class="cell-sub">{key.description}</span>}
              </th>
              <td data-label="Key">
                <MaskedValue masked={key.masked_value} />
              </td>
              {showCreator && (
                <td class="nowrap" data-label="Creator">
                  {key.user_name}
                </td>
              )}
              <td data-label="Permissions">
                {permissionLines(key).map((line) => (
                  <span key={line} class="cell-line">
                    {line}
                  </span>
                ))}
              </td>
              <LimitsCell apiKey={key} />
              <ExpirationCell apiKey={key} now={now} />
              <td data-label="Status">
                <StatusBadge apiKey={key} now={now} />
              </td>
              <td data-label="Last used">{formatDateTime(key.last_used_at, 'Never')}</td>
              <td class="nowrap" data-label="Created">
                {formatDate(key.created_at)}
              </td>
              <td class="cell-actions" data-label="Operations">
                <div class="cell-actions-grid">
                  <button type="button" class="btn btn-small" onClick={() => onEdit(key)}>
                    Edit
                  </button>
                  <button type="button" class="btn btn-small" onClick={() => onUsage(key)}>
                    Usage
                  </button>
                  <button type="button" class="btn btn-small" onClick={() => onRotate(key)}>
                    Rotate
                  </button>
                  <button
                    type="button"
                    class="btn btn-small btn-danger-quiet"
                    onClick={() => onDelete(key)}
                  >
                    Delete
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

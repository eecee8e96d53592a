import type { UsageItem } from '../../api-types.js'
import { SelectField } from '../../components/select-field.js'
import { SortHeader } from '../../components/sort-header.js'

/** The table's groupings, as /v2/usage's group_by. */
export const TABLE_GROUPINGS = {
  'day,model': 'Day and model',
  'day,api_key,model': 'Day, key and model',
  day: 'Day',
  api_key: 'API key',
  model: 'Model',
} as const

export type TableGrouping = keyof typeof TABLE_GROUPINGS

interface Column {
  field: keyof UsageItem
  label: string
  text?: boolean
}

const DIMENSION_COLUMNS: Record<string, Column[]> = {
  day: [{ field: 'day', label: 'Day', text: true }],
  api_key: [
    { field: 'api_key_id', label: 'Key ID' },
    { field: 'api_key_name', label: 'Key', text: true },
    { field: 'user_id', label: 'User ID' },
    { field: 'username', label: 'User', text: true },
    { field: 'api_key_deleted', label: 'Deleted', text: true },
  ],
  model: [{ field: 'model', label: 'Model', text: true }],
}

const METRIC_COLUMNS: Column[] = [
  { field: 'requests', label: 'Requests' },
  { field: 'prompt_tokens', label: 'Prompt tokens' },
  { field: 'completion_tokens', label: 'Completion tokens' },
  { field: 'errors', label: 'Errors' },
  { field: 'refused', label: 'Refused (limits)' },
  { field: 'cost', label: 'Cost' },
]

/** The columns in the order the API (and so the CSV) has them: day, key, model, then the numbers. */
export function columnsFor(grouping: TableGrouping): Column[] {
  const dims = grouping.split(',')
  const ordered = ['day', 'api_key', 'model'].filter((d) => dims.includes(d))
  return [...ordered.flatMap((d) => DIMENSION_COLUMNS[d] ?? []), ...METRIC_COLUMNS]
}

/** A cell as the CSV writes it: numbers plainly, an absent cost empty. */
function cellText(value: UsageItem[keyof UsageItem]): string {
  return value === null || value === undefined ? '' : String(value)
}

interface UsageTableProps {
  items: UsageItem[]
  grouping: TableGrouping
  sortBy: string
  currency: string
  csvHref: string
  onGrouping: (grouping: TableGrouping) => void
  onSort: (sortBy: string) => void
}

export function UsageTable(props: UsageTableProps) {
  const { items, grouping, sortBy, currency, csvHref, onGrouping, onSort } = props
  const columns = columnsFor(grouping)
  return (
    <section aria-labelledby="usage-table-title" class="usage-table">
      <div class="toolbar">
        <h2 id="usage-table-title">Usage lines</h2>
        <SelectField
          label="Group by"
          value={grouping}
          onChange={(e) => onGrouping(e.currentTarget.value as TableGrouping)}
        >
          {(Object.keys(TABLE_GROUPINGS) as TableGrouping[]).map((g) => (
            <option key={g} value={g}>
              {TABLE_GROUPINGS[g]}
            </option>
          ))}
        </SelectField>
        <a class="btn" href={csvHref} download>
          Download CSV
        </a>
      </div>
      <div class="table-wrap">
        <table class="table" aria-label="Usage lines">
          <thead>
            <tr>
              {columns.map((c) => (
                <SortHeader
                  key={c.field}
                  label={c.field === 'cost' ? `Cost (${currency})` : c.label}
                  field={c.field}
                  textField={c.text === true}
                  sortBy={sortBy}
                  onSort={onSort}
                />
              ))}
            </tr>
          </thead>
          <tbody>
            {items.length === 0 && (
              <tr>
                <td colSpan={columns.length} class="empty">
                  No usage in this range.
                </td>
              </tr>
            )}
            {items.map((item) => (
              <tr key={columns.map((c) => cellText(item[c.field])).join('|')}>
                {columns.map((c) => (
                  <td key={c.field} class={c.text === true ? undefined : 'num'}>
                    {cellText(item[c.field])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

import type { AuditEvent } from '../../api-types.js'
import {
  actionText,
  actorText,
  changeLines,
  detailLines,
  targetText,
} from '../../lib/audit-view.js'
import { formatDateTime } from '../../lib/format.js'

function ChangesCell({ event }: { event: AuditEvent }) {
  const changes = changeLines(event)
  const details = detailLines(event)
  return (
    <td class="cell-changes" data-label="Changes">
      {changes.length > 0 && (
        <ul class="change-list">
          {changes.map((c) => (
            <li key={c.field}>
              <span class="change-field">{c.field}</span> <span class="change-old">{c.old}</span> →{' '}
              <span class="change-new">{c.new}</span>
            </li>
          ))}
        </ul>
      )}
      {details.map((line) => (
        <span key={line} class="cell-line muted">
          {line}
        </span>
      ))}
    </td>
  )
}

export function AuditTable({ events }: { events: AuditEvent[] }) {
  return (
    <div class="table-wrap">
      <table class="table table-cards">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {events.length === 0 && (
            <tr>
              <td colSpan={5} class="empty">
                No audit entries match.
              </td>
            </tr>
          )}
          {events.map((e) => (
            <tr key={e.id} data-testid="audit-entry">
              <td class="nowrap" data-label="Time">
                {formatDateTime(e.at)}
              </td>
              <td data-label="Actor">
                {e.actor_kind === 'user' ? (
                  actorText(e)
                ) : (
                  <span class="badge badge-accent">{actorText(e)}</span>
                )}
              </td>
              <td data-label="Action">
                {actionText(e.action)}
                <span class="cell-sub">
                  <code>{e.action}</code>
                </span>
              </td>
              <td data-label="Target">{targetText(e)}</td>
              <ChangesCell event={e} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

import type { User } from '../../api-types.js'
import { SortHeader } from '../../components/sort-header.js'
import { formatDate } from '../../lib/format.js'

export type UserAction = 'edit' | 'reset' | 'toggle-active' | 'toggle-admin' | 'delete'

interface UsersTableProps {
  users: User[]
  currentUserId: number
  sortBy: string
  onSort: (sortBy: string) => void
  onAction: (action: UserAction, user: User) => void
}

export function UsersTable({ users, currentUserId, sortBy, onSort, onAction }: UsersTableProps) {
  return (
    <div class="table-wrap">
      <table class="table table-cards">
        <thead>
          <tr>
            <SortHeader
              label="Username"
              field="username"
              textField
              sortBy={sortBy}
              onSort={onSort}
            />
            <th scope="col">Full name</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <SortHeader label="Created" field="created_at" sortBy={sortBy} onSort={onSort} />
            <th scope="col">Operations</th>
          </tr>
        </thead>
        <tbody>
          {users.length === 0 && (
            <tr>
              <td colSpan={6} class="empty">
                No users found.
              </td>
            </tr>
          )}
          {users.map((u) => (
            <tr key={u.id}>
              <th scope="row" class="cell-name">
                {u.username}
                {u.id === currentUserId && <span class="cell-sub">you</span>}
              </th>
              <td data-label="Full name">{u.full_name}</td>
              <td data-label="Role">
                {u.is_admin ? <span class="badge badge-accent">Admin</span> : 'User'}
              </td>
              <td data-label="Status">
                {u.is_active ? (
                  <span class="badge badge-ok">Active</span>
                ) : (
                  <span class="badge badge-muted">Inactive</span>
                )}
                {u.require_password_change && (
                  <span class="badge badge-warning">Must change password</span>
                )}
              </td>
              <td data-label="Created">{formatDate(u.created_at)}</td>
              <td class="cell-actions" data-label="Operations">
                <button type="button" class="btn btn-small" onClick={() => onAction('edit', u)}>
                  Edit
                </button>
                <button type="button" class="btn btn-small" onClick={() => onAction('reset', u)}>
                  Reset password
                </button>
                {/* The gateway refuses to let an admin demote, deactivate or delete themself. */}
                {u.id !== currentUserId && (
                  <>
                    <button
                      type="button"
                      class="btn btn-small"
                      onClick={() => onAction('toggle-admin', u)}
                    >
                      {u.is_admin ? 'Remove admin' : 'Make admin'}
                    </button>
                    <button
                      type="button"
                      class={u.is_active ? 'btn btn-small btn-danger-quiet' : 'btn btn-small'}
                      onClick={() => onAction('toggle-active', u)}
                    >
                      {u.is_active ? 'Deactivate' : 'Activate'}
                    </button>
                    <button
                      type="button"
                      class="btn btn-small btn-danger-quiet"
                      onClick={() => onAction('delete', u)}
                    >
                      Delete
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

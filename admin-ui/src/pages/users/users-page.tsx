import { useState } from 'preact/hooks'
import { useSession } from '../../api/api-context.js'
import type { UpdateUserBody, User } from '../../api-types.js'
import { ErrorMessage, Notice } from '../../components/alerts.js'
import { ConfirmDialog } from '../../components/confirm-dialog.js'
import { PaginationBar } from '../../components/pagination.js'
import { useDebounced, usePageQuery } from '../../lib/use-page-query.js'
import { ResetPasswordDialog } from './reset-password-dialog.js'
import { UserFormDialog } from './user-form-dialog.js'
import { type UserAction, UsersTable } from './users-table.js'

type Dialog = { kind: 'add' } | { kind: UserAction; user: User }

interface UsersPageProps {
  /** Called after the admin changed their own account, so the session's user is read again. */
  onSelfChanged: () => void
}

export function UsersPage({ onSelfChanged }: UsersPageProps) {
  const { api, user: me } = useSession()
  const [query, setQuery] = useState({ page: 1, perPage: 20, sortBy: '-created_at' })
  const [searchText, setSearchText] = useState('')
  const search = useDebounced(searchText.trim(), 250)
  const params = new URLSearchParams({
    page: String(query.page),
    perPage: String(query.perPage),
    sort_by: query.sortBy,
    search,
  })
  const list = usePageQuery<User>(`/v2/users?${params.toString()}`)
  const [dialog, setDialog] = useState<Dialog | null>(null)
  const [notice, setNotice] = useState<string | null>(null)

  const done = (message: string, changed: User) => {
    setDialog(null)
    setNotice(message)
    list.reload()
    if (changed.id === me.id) {
      onSelfChanged()
    }
  }
  const update = async (u: User, body: UpdateUserBody, message: string) =>
    done(message, await api.put<User>(`/v2/users/${u.id}`, body))

  return (
    <section aria-labelledby="users-title">
      <div class="page-head">
        <div>
          <p class="breadcrumb">Access Control</p>
          <h1 id="users-title">Users</h1>
        </div>
        <button type="button" class="btn btn-primary" onClick={() => setDialog({ kind: 'add' })}>
          Add user
        </button>
      </div>
      {notice !== null && <Notice onDismiss={() => setNotice(null)}>{notice}</Notice>}
      <div class="toolbar">
        <label class="search">
          <span class="sr-only">Search users</span>
          <input
            type="search"
            placeholder="Search users"
            value={searchText}
            onInput={(e) => {
              setSearchText(e.currentTarget.value)
              setQuery((q) => ({ ...q, page: 1 }))
            }}
          />
        </label>
      </div>
      <ErrorMessage>{list.error}</ErrorMessage>
      <UsersTable
        users={list.data?.items ?? []}
        currentUserId={me.id}
        sortBy={query.sortBy}
        onSort={(sortBy) => setQuery((q) => ({ ...q, sortBy, page: 1 }))}
        onAction={(kind, user) => setDialog({ kind, user })}
      />
      {list.data !== null && (
        <PaginationBar
          pagination={list.data.pagination}
          onPage={(page) => setQuery((q) => ({ ...q, page }))}
          onPerPage={(perPage) => setQuery((q) => ({ ...q, perPage, page: 1 }))}
        />
      )}
      {dialog?.kind === 'add' && (
        <UserFormDialog
          onClose={() => setDialog(null)}
          onSaved={(u) => done(`User “${u.username}” created.`, u)}
        />
      )}
      {dialog?.kind === 'edit' && (
        <UserFormDialog
          user={dialog.user}
          onClose={() => setDialog(null)}
          onSaved={(u) => done(`Saved user “${u.username}”.`, u)}
        />
      )}
      {dialog?.kind === 'reset' && (
        <ResetPasswordDialog
          user={dialog.user}
          onClose={() => setDialog(null)}
          onSaved={(u) => done(`The password of “${u.username}” has been reset.`, u)}
        />
      )}
      {dialog?.kind === 'toggle-active' && (
        <ConfirmDialog
          title={dialog.user.is_active ? 'Deactivate user' : 'Activate user'}
          confirmLabel={dialog.user.is_active ? 'Deactivate' : 'Activate'}
          danger={dialog.user.is_active}
          onClose={() => setDialog(null)}
          onConfirm={() =>
            update(
              dialog.user,
              { is_active: !dialog.user.is_active },
              `User “${dialog.user.username}” ${dialog.user.is_active ? 'deactivated' : 'activated'}.`,
            )
          }
        >
          <p>
            {dialog.user.is_active
              ? `Deactivate “${dialog.user.username}”? Their sessions and API keys stop working at once.`
              : `Activate “${dialog.user.username}”? Their API keys work again.`}
          </p>
        </ConfirmDialog>
      )}
      {dialog?.kind === 'toggle-admin' && (
        <ConfirmDialog
          title={dialog.user.is_admin ? 'Remove admin rights' : 'Make admin'}
          confirmLabel={dialog.user.is_admin ? 'Remove admin' : 'Make admin'}
          onClose={() => setDialog(null)}
          onConfirm={() =>
            update(
              dialog.user,
              { is_admin: !dialog.user.is_admin },
              `“${dialog.user.username}” is ${dialog.user.is_admin ? 'no longer an' : 'now an'} administrator.`,
            )
          }
        >
          <p>
            {dialog.user.is_admin
              ? `Remove the administrator rights of “${dialog.user.username}”?`
              : `Make “${dialog.user.username}” an administrator? Administrators can manage every user, key and model.`}
          </p>
        </ConfirmDialog>
      )}
    </section>
  )
}

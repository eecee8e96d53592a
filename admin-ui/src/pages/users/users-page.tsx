import { useState } from 'preact/hooks'
import { useSession } from '../../api/api-context.js'
import type { UpdateUserBody, User } from '../../api-types.js'
import { ErrorMessage, Notice } from '../../components/alerts.js'
import { ConfirmDialog } from '../../components/confirm-dialog.js'
import { ListPagination } from '../../components/pagination.js'
import { SearchBox } from '../../components/search-box.js'
import type { ListSpec } from '../../lib/list-query.js'
import { useListPage } from '../../lib/use-list-page.js'
import { ResetPasswordDialog } from './reset-password-dialog.js'
import { UserFormDialog } from './user-form-dialog.js'
import { type UserAction, UsersTable } from './users-table.js'

type Dialog = { kind: 'add' } | { kind: UserAction; user: User }

const USER_LIST: ListSpec = {
  sortFields: ['username', 'created_at'],
  defaultSort: '-created_at',
  allowAllUsers: false,
}

interface UsersPageProps {
  /** Called after the admin changed their own account, so the session's user is read again. */
  onSelfChanged: () => void
}

export function UsersPage({ onSelfChanged }: UsersPageProps) {
  const { api, user: me } = useSession()
  const { query, searchText, setSearchText, change, list } = useListPage<User>(
    '/v2/users',
    '/users',
    USER_LIST,
  )
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
        <SearchBox label="Search users" value={searchText} onInput={setSearchText} />
      </div>
      <ErrorMessage>{list.error}</ErrorMessage>
      <UsersTable
        users={list.data?.items ?? []}
        currentUserId={me.id}
        sortBy={query.sortBy}
        onSort={(sortBy) => change({ sortBy })}
        onAction={(kind, user) => setDialog({ kind, user })}
      />
      <ListPagination list={list} change={change} />
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
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title="Delete user"
          confirmLabel="Delete"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await api.delete(`/v2/users/${dialog.user.id}`)
            done(`User “${dialog.user.username}” deleted.`, dialog.user)
          }}
        >
          <p>
            {`Delete “${dialog.user.username}”? Their API keys are deleted with them and stop working at once. This cannot be undone.`}
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

import { useEffect, useState } from 'preact/hooks'
import { useSession } from '../api/api-context.js'
import { navigate, type RoutePath, replaceRoute, useRoute } from '../lib/router.js'
import { ApiDocsPage } from '../pages/api-docs/api-docs-page.js'
import { ApiKeysPage } from '../pages/api-keys/api-keys-page.js'
import { AuditLogPage } from '../pages/audit-log/audit-log-page.js'
import { ChangePasswordForm } from '../pages/change-password-form.js'
import { ModelsPage } from '../pages/models/models-page.js'
import { SettingsPage } from '../pages/settings/settings-page.js'
import { UsagePage } from '../pages/usage/usage-page.js'
import { UsersPage } from '../pages/users/users-page.js'
import { Notice } from './alerts.js'
import { LimitsWarning } from './limits-warning.js'
import { Modal } from './modal.js'

interface LayoutProps {
  onLogOut: () => void
  onUserChanged: () => void
}

function NavLink({ to, label, current }: { to: RoutePath; label: string; current: RoutePath }) {
  return (
    <a
      href={to}
      class="nav-link"
      aria-current={current === to ? 'page' : undefined}
      onClick={(e) => {
        if (e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey) {
          e.preventDefault()
          navigate(to)
        }
      }}
    >
      {label}
    </a>
  )
}

export function Layout({ onLogOut, onUserChanged }: LayoutProps) {
  const { user } = useSession()
  const route = useRoute()
  const [changingPassword, setChangingPassword] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const adminOnly = route === '/users' || route === '/settings' || route === '/audit-log'
  const page = adminOnly && !user.is_admin ? '/api-keys' : route
  // So the keys list's URL state, Back and reload belong to the page shown.
  useEffect(() => {
    if (page !== route) {
      replaceRoute(page)
    }
  }, [page, route])

  return (
    <div class="shell">
      <header class="topbar">
        <span class="brand">Keygate</span>
        <div class="topbar-user">
          <span class="muted">
            {user.username}
            {user.is_admin ? ' (admin)' : ''}
          </span>
          <button type="button" class="btn btn-quiet" onClick={() => setChangingPassword(true)}>
            Change password
          </button>
          <button type="button" class="btn btn-quiet" onClick={onLogOut}>
            Log out
          </button>
        </div>
      </header>
      <nav class="sidebar" aria-label="Main">
        <p class="nav-section">Access Control</p>
        <NavLink to="/api-keys" label="API Keys" current={page} />
        {user.is_admin && <NavLink to="/users" label="Users" current={page} />}
        {user.is_admin && <NavLink to="/audit-log" label="Audit log" current={page} />}
        <p class="nav-section">Resources</p>
        <NavLink to="/models" label="Models" current={page} />
        <NavLink to="/usage" label="Usage" current={page} />
        {user.is_admin && (
          <>
            <p class="nav-section">Administration</p>
            <NavLink to="/settings" label="Settings" current={page} />
          </>
        )}
        <p class="nav-section">Help</p>
        <NavLink to="/api-docs" label="API reference" current={page} />
      </nav>
      <main class="content">
        <LimitsWarning />
        {notice !== null && <Notice onDismiss={() => setNotice(null)}>{notice}</Notice>}
        {page === '/api-keys' && <ApiKeysPage />}
        {page === '/models' && <ModelsPage />}
        {page === '/usage' && <UsagePage key={window.location.search} />}
        {page === '/users' && <UsersPage onSelfChanged={onUserChanged} />}
        {page === '/settings' && <SettingsPage />}
        {page === '/audit-log' && <AuditLogPage />}
        {page === '/api-docs' && <ApiDocsPage />}
      </main>
      {changingPassword && (
        <Modal title="Change password" onClose={() => setChangingPassword(false)}>
          <ChangePasswordForm
            onCancel={() => setChangingPassword(false)}
            onDone={() => {
              setChangingPassword(false)
              setNotice('Your password has been changed.')
            }}
          />
        </Modal>
      )}
    </div>
  )
}

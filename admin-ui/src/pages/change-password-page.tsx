import { useSession } from '../api/api-context.js'
import { ChangePasswordForm } from './change-password-form.js'

interface ChangePasswordPageProps {
  forced: boolean
  onDone: () => void
  onLogOut: () => void
}

/** Shown before anything else while the account still has its generated password. */
export function ChangePasswordPage({ forced, onDone, onLogOut }: ChangePasswordPageProps) {
  const { user } = useSession()
  return (
    <main class="center-page">
      <div class="card narrow">
        <h1>Choose a new password</h1>
        {forced && (
          <p class="muted">
            The account <strong>{user.username}</strong> still uses its generated password. Choose a
            new password to continue.
          </p>
        )}
        <ChangePasswordForm onDone={onDone} />
        <p class="card-footer">
          <button type="button" class="btn-link" onClick={onLogOut}>
            Log out
          </button>
        </p>
      </div>
    </main>
  )
}

import { useCallback, useEffect, useMemo, useState } from 'preact/hooks'
import { ApiError, createApiClient, errorMessage } from './api/api-client.js'
import { SessionContext } from './api/api-context.js'
import type { User } from './api-types.js'
import { Layout } from './components/layout.js'
import { ChangePasswordPage } from './pages/change-password-page.js'
import { LoginPage } from './pages/login-page.js'

type SessionState =
  | { status: 'loading' }
  | { status: 'failed'; message: string }
  | { status: 'anonymous'; notice: string | null }
  | { status: 'ready'; user: User }

/** Decides between the login page, the forced password change, and the app; nothing else runs before it. */
export function App() {
  const [state, setState] = useState<SessionState>({ status: 'loading' })
  const api = useMemo(
    () =>
      createApiClient(() =>
        setState({ status: 'anonymous', notice: 'Your session has ended. Log in again.' }),
      ),
    [],
  )

  const loadMe = useCallback(async () => {
    try {
      const user = await api.get<User>('/v2/users/me')
      setState({ status: 'ready', user })
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setState({ status: 'anonymous', notice: null })
      } else {
        setState({ status: 'failed', message: errorMessage(err) })
      }
    }
  }, [api])

  useEffect(() => {
    void loadMe()
  }, [loadMe])

  const logOut = useCallback(async () => {
    try {
      await api.post('/auth/logout')
    } finally {
      setState({ status: 'anonymous', notice: 'You have logged out.' })
    }
  }, [api])

  if (state.status === 'loading') {
    return <p class="page-loading">Loading…</p>
  }
  if (state.status === 'failed') {
    return (
      <main class="center-page">
        <div class="card narrow">
          <h1>Keygate</h1>
          <p role="alert">{state.message}</p>
          <button type="button" class="btn btn-primary" onClick={() => void loadMe()}>
            Retry
          </button>
        </div>
      </main>
    )
  }
  if (state.status === 'anonymous') {
    return (
      <LoginPage
        api={api}
        notice={state.notice}
        onLoggedIn={(user) => setState({ status: 'ready', user })}
      />
    )
  }
  const session = { api, user: state.user }
  return (
    <SessionContext.Provider value={session}>
      {state.user.require_password_change ? (
        <ChangePasswordPage forced onDone={() => void loadMe()} onLogOut={() => void logOut()} />
      ) : (
        <Layout onLogOut={() => void logOut()} onUserChanged={() => void loadMe()} />
      )}
    </SessionContext.Provider>
  )
}

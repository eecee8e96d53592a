import { useState } from 'preact/hooks'
import type { ApiClient } from '../api/api-client.js'
import { errorMessage } from '../api/api-client.js'
import type { User } from '../api-types.js'
import { ErrorMessage, Notice } from '../components/alerts.js'
import { checkedBy, useFormSubmit } from '../lib/use-form-submit.js'

interface LoginPageProps {
  api: ApiClient
  notice: string | null
  onLoggedIn: (user: User) => void
}

export function LoginPage({ api, notice, onLoggedIn }: LoginPageProps) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const { errors: error, busy, submit } = useFormSubmit('', errorMessage)

  const problem =
    username.trim() === '' || password === '' ? 'Enter your username and password.' : null
  async function send() {
    const user = await api.post<User>('/auth/login', { username: username.trim(), password })
    setPassword('')
    onLoggedIn(user)
  }

  return (
    <main class="center-page">
      <form class="card narrow" onSubmit={(e) => submit(e, checkedBy(problem), send)} noValidate>
        <h1 class="brand-title">Keygate</h1>
        <p class="muted">Log in to manage API keys, models and users.</p>
        {notice !== null && error === '' && <Notice>{notice}</Notice>}
        <ErrorMessage>{error}</ErrorMessage>
        <label class="field">
          <span>Username</span>
          <input
            name="username"
            autoComplete="username"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            required
          />
        </label>
        <label class="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </label>
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          Log in
        </button>
      </form>
    </main>
  )
}

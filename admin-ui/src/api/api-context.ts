import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { User } from '../api-types.js'
import type { ApiClient } from './api-client.js'

export interface Session {
  api: ApiClient
  user: User
}

export const SessionContext = createContext<Session | null>(null)

/** The API client and the logged-in user; only used below the session gate in app.tsx. */
export function useSession(): Session {
  const session = useContext(SessionContext)
  if (session === null) {
    throw new Error('useSession outside of a logged-in page')
  }
  return session
}

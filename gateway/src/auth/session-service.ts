// STUB (users helper replaces this file): HS256 session JWTs with jose, DESIGN §5.
import type { Kysely } from 'kysely'
import type { Clock } from '../clock.js'
import type { Tables } from '../db/tables.js'
import type { SessionCheck, SessionVerifier } from '../middleware/auth.js'

export interface SessionServiceOptions {
  db: Kysely<Tables>
  secret: Uint8Array
  clock: Clock
}

export interface SessionService extends SessionVerifier {
  /** A new session token for the user and its lifetime in seconds (the cookie's Max-Age). */
  issue(userId: number): Promise<{ token: string; maxAgeSeconds: number }>
}

export function createSessionService(_options: SessionServiceOptions): SessionService {
  return {
    verify: async (): Promise<SessionCheck | null> => null,
    issue: async () => {
      throw new Error('sessions not implemented')
    },
  }
}

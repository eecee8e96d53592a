import type { HttpBindings } from '@hono/node-server'
import type { Logger } from 'pino'
import type { Principal } from '../auth/principal.js'

/** Per-request values on the Hono context; long-lived dependencies never go here. */
export interface AppEnv {
  /** The Node request and response under @hono/node-server; absent under app.request() in unit tests. */
  Bindings: Partial<HttpBindings>
  Variables: {
    requestId: string
    log: Logger
    startedAt: number
    principal: Principal
  }
}

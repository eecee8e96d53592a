// STUB: replaced by the helper that owns this route.
import type { Hono } from 'hono'
import type { Deps } from '../../deps.js'
import type { AppEnv } from '../../http/app-env.js'

export function registerModelRoutes(_app: Hono<AppEnv>, _deps: Deps): void {}

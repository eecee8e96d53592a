import type { Hono } from 'hono'
import type { AppEnv } from '../http/app-env.js'
import { storedResponsesUnsupported } from '../proxy/responses-state.js'

/**
 * GET/DELETE /v1/responses/{id}, POST /v1/responses/{id}/cancel, GET /v1/responses/{id}/input_items: the
 * Responses API's stored state, which lives in one engine instance's memory that the gateway cannot route back
 * to. They answer a 400 saying so (proxy/responses-state.ts), not a bare 404.
 */
export function registerStoredResponses(app: Hono<AppEnv>): void {
  app.all('/v1/responses/:id{.+}', () => {
    throw storedResponsesUnsupported()
  })
}

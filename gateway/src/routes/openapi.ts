import type { Hono } from 'hono'
import type { AppEnv } from '../http/app-env.js'
import { buildOpenApiDocument } from '../openapi/openapi-document.js'
import { packageVersion } from '../package-root.js'

/** GET /openapi.json: the API's description, built once (it describes code, not data, and holds no secret). */
export function registerOpenApiRoute(app: Hono<AppEnv>): void {
  const body = JSON.stringify(buildOpenApiDocument(packageVersion()))
  app.get('/openapi.json', (c) =>
    c.body(body, 200, { 'content-type': 'application/json', 'cache-control': 'no-cache' }),
  )
}

import { existsSync } from 'node:fs'
import { extname, join } from 'node:path'
import { serveStatic } from '@hono/node-server/serve-static'
import type { Hono, MiddlewareHandler } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import type { AppEnv } from '../http/app-env.js'
import { findPackageRoot } from '../package-root.js'

/** Paths the UI never answers, so an unknown API path stays a JSON 404 in the OpenAI envelope. */
const API_PREFIXES = ['/v1', '/v2', '/auth', '/metrics', '/healthz', '/readyz', '/openapi.json']

const IMMUTABLE = 'public, max-age=31536000, immutable'

/**
 * The UI talks only to this origin and is never framed. 'unsafe-inline' is absent: Vite emits external files
 * only, and Preact sets styles through the CSSOM, which CSP does not restrict. HSTS is left to whatever ends TLS
 * (the Ingress): the gateway itself often serves plain http on localhost.
 */
const uiSecurityHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: 'DENY',
  referrerPolicy: 'same-origin',
  strictTransportSecurity: false,
})

export interface UiOptions {
  /** The built UI; defaults to admin-ui/dist at the package root. */
  distDir?: string
}

function isApiPath(path: string): boolean {
  return API_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))
}

/**
 * Serves the admin UI at `/`: files of admin-ui/dist (hashed /assets/* cached for a year, the rest revalidated),
 * and index.html for any other GET path without a file extension, so /api-keys survives a reload. Registered
 * last, after every API route.
 */
export function registerUi(app: Hono<AppEnv>, options: UiOptions = {}): void {
  const root = options.distDir ?? join(findPackageRoot() ?? process.cwd(), 'admin-ui', 'dist')
  const index = join(root, 'index.html')
  const files = serveStatic<AppEnv>({ root })
  const indexPage = serveStatic<AppEnv>({ path: index })
  const apiPathsAreNotUi: MiddlewareHandler<AppEnv> = async function apiPathsAreNotUi(c, next) {
    return isApiPath(c.req.path) ? c.notFound() : next()
  }

  app.get('*', apiPathsAreNotUi, uiSecurityHeaders, async (c, next) => {
    if (c.req.path === '/') {
      return next()
    }
    // serveStatic answers with a Response when it found the file, else hands on to the fallback below.
    const found = await files(c, next)
    if (found instanceof Response) {
      found.headers.set('cache-control', c.req.path.startsWith('/assets/') ? IMMUTABLE : 'no-cache')
    }
    return found
  })
  app.get('*', async (c, next) => {
    if (extname(c.req.path) !== '') {
      return c.notFound() // a missing asset must not come back as HTML
    }
    if (!existsSync(index)) {
      c.header('cache-control', 'no-store')
      return c.text('The admin UI is not built. Run `npm run ui:build`, then reload.\n', 503)
    }
    const page = await indexPage(c, next)
    page?.headers.set('cache-control', 'no-cache')
    return page
  })
}

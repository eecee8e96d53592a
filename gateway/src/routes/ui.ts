import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { dirname, extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Context, Hono } from 'hono'
import type { Deps } from '../deps.js'
import type { AppEnv } from '../http/app-env.js'

/** Paths the UI never answers, so an unknown API path stays a JSON 404 in the OpenAI envelope. */
const API_PREFIXES = ['/v1', '/v2', '/auth', '/metrics', '/healthz', '/readyz']

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

/**
 * The UI talks only to this origin and is never framed. 'unsafe-inline' is absent: Vite emits external files
 * only, and Preact sets styles through the CSSOM, which CSP does not restrict.
 */
export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
}

const IMMUTABLE = 'public, max-age=31536000, immutable'

export interface UiOptions {
  /** The built UI; defaults to admin-ui/dist at the package root (found like schema.sql, db/migrate.ts). */
  distDir?: string
}

/** admin-ui/dist beside schema.sql at the package root, whether this runs from gateway/src or from dist/. */
export function findUiDist(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'schema.sql'))) {
      return join(dir, 'admin-ui', 'dist')
    }
    const parent = dirname(dir)
    if (parent === dir) {
      return null
    }
    dir = parent
  }
}

function isApiPath(path: string): boolean {
  return API_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))
}

/** The file under `root` for a URL path, or null for anything that tries to leave it. */
function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0')) {
    return null
  }
  const file = normalize(join(root, decoded))
  return file.startsWith(root + sep) ? file : null
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

function withSecurityHeaders(c: Context<AppEnv>): void {
  for (const [name, value] of Object.entries(UI_SECURITY_HEADERS)) {
    c.header(name, value)
  }
}

async function sendFile(c: Context<AppEnv>, file: string, cacheControl: string): Promise<Response> {
  withSecurityHeaders(c)
  c.header('content-type', CONTENT_TYPES[extname(file)] ?? 'application/octet-stream')
  c.header('cache-control', cacheControl)
  return c.body(new Uint8Array(await readFile(file)))
}

/**
 * Serves the admin UI at `/`: files of admin-ui/dist (hashed /assets/* cached for a year, the rest revalidated),
 * and index.html for any other GET path without a file extension, so /api-keys survives a reload. Registered
 * last, after every API route.
 */
export function registerUi(app: Hono<AppEnv>, _deps: Deps, options: UiOptions = {}): void {
  const root = normalize(options.distDir ?? findUiDist() ?? join(process.cwd(), 'admin-ui', 'dist'))
  const index = join(root, 'index.html')

  app.get('*', async (c) => {
    const path = c.req.path
    if (isApiPath(path)) {
      return c.notFound()
    }
    const file = path === '/' ? null : resolveInside(root, path)
    if (file !== null && (await isFile(file))) {
      const cache = path.startsWith('/assets/') ? IMMUTABLE : 'no-cache'
      return sendFile(c, file, cache)
    }
    if (extname(path) !== '') {
      return c.notFound() // a missing asset must not come back as HTML
    }
    if (!(await isFile(index))) {
      withSecurityHeaders(c)
      c.header('cache-control', 'no-store')
      return c.text('The admin UI is not built. Run `npm run ui:build`, then reload.\n', 503)
    }
    return sendFile(c, index, 'no-cache')
  })
}

import { type Http2Bindings, type HttpBindings, type ServerType, serve } from '@hono/node-server'
import { createApp } from './app.js'
import type { Deps } from './deps.js'

export interface RunningServer {
  readonly server: ServerType
  readonly port: number
  /** True from the moment `stop` is called. */
  isDraining(): boolean
  /**
   * Stops accepting connections and lets in-flight requests and streams finish for up to `graceMs`, then closes
   * what is left. Meanwhile `/readyz` answers 503 and every response closes its connection, so a load balancer
   * or a keep-alive client moves to another replica.
   */
  stop(graceMs: number): Promise<void>
}

/** Serves the app on host:port (port 0 picks a free one) and resolves once it is listening. */
export function startServer(deps: Deps, host: string, port: number): Promise<RunningServer> {
  const app = createApp(deps)
  let draining = false
  // The draining checks cost one boolean test per request until shutdown begins.
  const fetch = async (request: Request, env: HttpBindings | Http2Bindings): Promise<Response> => {
    if (!draining) {
      return app.fetch(request, env)
    }
    if (new URL(request.url).pathname === '/readyz') {
      return Response.json(
        { status: 'draining', checks: { draining: true } },
        { status: 503, headers: { connection: 'close', 'cache-control': 'no-store' } },
      )
    }
    const res = await app.fetch(request, env)
    const headers = new Headers(res.headers)
    headers.set('connection', 'close')
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers })
  }
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: host, port }, (info) => {
      resolve({
        server,
        port: info.port,
        isDraining: () => draining,
        stop: (graceMs) => {
          draining = true
          return stopServer(server, graceMs)
        },
      })
    })
    server.once('error', reject)
  })
}

function stopServer(server: ServerType, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      if ('closeAllConnections' in server) {
        server.closeAllConnections()
      }
    }, graceMs)
    timer.unref()
    server.close(() => {
      clearTimeout(timer)
      resolve()
    })
    if ('closeIdleConnections' in server) {
      server.closeIdleConnections()
    }
  })
}

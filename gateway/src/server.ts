import { createServer, type Server } from 'node:http'
import { getRequestListener, type Http2Bindings, type HttpBindings } from '@hono/node-server'
import { createApp } from './app.js'
import type { Deps } from './deps.js'
import { answerClientError } from './http/client-error.js'
import { createProxyListener, proxyRouteFor } from './proxy/proxy-routes.js'

export interface RunningServer {
  readonly server: Server
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

/**
 * Serves the gateway on host:port (port 0 picks a free one) and resolves once it is listening: the proxied routes
 * on node:http directly (the hot path), everything else through Hono.
 */
export function startServer(deps: Deps, host: string, port: number): Promise<RunningServer> {
  const app = createApp(deps)
  let draining = false
  // While draining, /readyz says so (the app's own readiness check knows nothing of it).
  const fetch = (request: Request, env: HttpBindings | Http2Bindings) => {
    if (draining && new URL(request.url).pathname === '/readyz') {
      return Response.json(
        { status: 'draining', checks: { draining: true } },
        { status: 503, headers: { 'cache-control': 'no-store' } },
      )
    }
    return app.fetch(request, env)
  }
  const viaHono = getRequestListener(fetch, { hostname: host })
  const proxy = createProxyListener({
    auth: deps.auth,
    models: deps.models,
    upstreams: deps.upstreams,
    recorder: deps.recorder,
    logger: deps.logger,
    maxBodyBytes: deps.config.maxBodyBytes,
    limits: { limiter: deps.limiter, defaultMaxTokens: deps.config.limitsDefaultMaxTokens },
  })
  // Repeated headers are joined (RFC 9110 §5.3) instead of node:http keeping only the first Authorization or
  // Content-Type: the proxy path then sees what Hono's Headers show, and identify() can refuse two credentials.
  const server = createServer({ joinDuplicateHeaders: true }, (req, res) => {
    if (draining) {
      // Every answer closes its connection, so keep-alive clients move to another replica. writeHead keeps it.
      res.setHeader('connection', 'close')
    }
    const route = proxyRouteFor(req.method, req.url)
    if (route === undefined) {
      void viaHono(req, res)
    } else {
      void proxy(route, req, res)
    }
  })
  server.on('clientError', (err: Error & { code?: string }, socket) =>
    answerClientError(err, socket, deps.logger),
  )
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      const address = server.address()
      resolve({
        server,
        port: typeof address === 'object' && address !== null ? address.port : port,
        isDraining: () => draining,
        stop: (graceMs) => {
          draining = true
          return stopServer(server, graceMs)
        },
      })
    })
  })
}

function stopServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs)
    timer.unref()
    server.close(() => {
      clearTimeout(timer)
      resolve()
    })
    server.closeIdleConnections()
  })
}

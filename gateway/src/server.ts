import { type ServerType, serve } from '@hono/node-server'
import { createApp } from './app.js'
import type { Deps } from './deps.js'

export interface RunningServer {
  readonly server: ServerType
  readonly port: number
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes what is left. */
  stop(graceMs: number): Promise<void>
}

/** Serves the app on host:port (port 0 picks a free one) and resolves once it is listening. */
export function startServer(deps: Deps, host: string, port: number): Promise<RunningServer> {
  const app = createApp(deps)
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      resolve({
        server,
        port: info.port,
        stop: (graceMs) => stopServer(server, graceMs),
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

import { type AddressInfo, connect, createServer, type Socket } from 'node:net'

/**
 * A TCP proxy on 127.0.0.1:<free port> in front of `target`, which a test can cut (every open connection is
 * destroyed and the port stops listening, so new connections are refused, as when the database host goes away) and
 * restore (the same port listens again). Refusing matters: postgres.js fails a query at once on a refused
 * connection, but keeps retrying one whose socket was accepted and then closed.
 */
export interface TcpProxy {
  readonly port: number
  /** Connections accepted and passed through since start (a client that reconnected shows up here). */
  readonly connectionsAccepted: number
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>()
  let isCut = false
  let accepted = 0
  const server = createServer((client) => {
    accepted += 1
    const upstream = connect(target.port, target.host)
    open.add(client)
    open.add(upstream)
    const closeBoth = () => {
      client.destroy()
      upstream.destroy()
      open.delete(client)
      open.delete(upstream)
    }
    client.on('error', closeBoth)
    upstream.on('error', closeBoth)
    client.on('close', closeBoth)
    upstream.on('close', closeBoth)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  async function cut(): Promise<void> {
    if (isCut) {
      return
    }
    isCut = true
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const socket of open) {
      socket.destroy()
    }
    open.clear()
    await closed
  }
  async function restore(): Promise<void> {
    if (!isCut) {
      return
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    isCut = false
  }
  return {
    port,
    get connectionsAccepted() {
      return accepted
    },
    cut,
    restore,
    close: cut,
  }
}

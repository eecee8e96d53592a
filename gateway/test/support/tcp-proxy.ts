import { type AddressInfo, connect, createServer, type Socket } from 'node:net'

/**
 * A TCP proxy on 127.0.0.1:<free port> in front of `target`, which a test can cut (every open connection is
 * destroyed and new ones are closed as soon as they arrive, as when the database host goes away) and restore.
 */
export interface TcpProxy {
  readonly port: number
  /** Connections accepted and passed through since start (a client that reconnected shows up here). */
  readonly connectionsAccepted: number
  cut(): void
  restore(): void
  close(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>()
  let isCut = false
  let accepted = 0
  const server = createServer((client) => {
    if (isCut) {
      client.destroy()
      return
    }
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
  return {
    port,
    get connectionsAccepted() {
      return accepted
    },
    cut() {
      isCut = true
      for (const s of open) {
        s.destroy()
      }
      open.clear()
    },
    restore() {
      isCut = false
    },
    async close() {
      isCut = true
      for (const s of open) {
        s.destroy()
      }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

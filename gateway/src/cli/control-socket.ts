import { chmodSync, unlinkSync } from 'node:fs'
import { createConnection, createServer, type Server } from 'node:net'
import { join } from 'node:path'

/**
 * The serving gateway's local control socket on the embedded database: `<data dir>/keygate.sock`, mode 0600 (only
 * the OS user the gateway runs as may connect). The CLI sends a command there instead of opening the database a
 * second time; the gateway runs it on its own database and answers with what the command printed. One JSON line
 * each way.
 */

export const SOCKET_FILE = 'keygate.sock'
const MAX_REQUEST_BYTES = 64 * 1024
/** sun_path holds 108 bytes on Linux, 104 on macOS, the terminating NUL included. */
const MAX_SOCKET_PATH_BYTES = 103

export interface ControlRequest {
  readonly command: string
  readonly args: readonly string[]
}

export interface ControlAnswer {
  readonly out: string
  readonly err: string
  readonly code: number
}

export type ControlHandler = (request: ControlRequest) => Promise<ControlAnswer>

export function socketPathOf(dataDir: string): string {
  return join(dataDir, SOCKET_FILE)
}

export interface ControlServer {
  close(): Promise<void>
}

/** Listens on the data directory's socket; call only while holding its lock (a leftover socket file is removed). */
export async function startControlServer(
  dataDir: string,
  handle: ControlHandler,
): Promise<ControlServer> {
  const path = socketPathOf(dataDir)
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(
      `the control socket path ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes (a Unix limit); ` +
        'use a shorter KEYGATE_DATA_DIR',
    )
  }
  try {
    unlinkSync(path)
  } catch {
    // None left over.
  }
  const server = createServer((socket) => {
    let buffered = ''
    socket.setEncoding('utf8')
    socket.on('error', () => socket.destroy())
    socket.on('data', (chunk: string) => {
      buffered += chunk
      if (buffered.length > MAX_REQUEST_BYTES) {
        socket.destroy()
        return
      }
      const end = buffered.indexOf('\n')
      if (end < 0) {
        return
      }
      socket.removeAllListeners('data')
      const request = parseRequest(buffered.slice(0, end))
      const answer: Promise<ControlAnswer> =
        request === undefined
          ? Promise.resolve({ out: '', err: 'keygate: unreadable control request', code: 2 })
          : handle(request).catch((err: unknown) => ({
              out: '',
              err: `keygate: ${err instanceof Error ? err.message : String(err)}`,
              code: 1,
            }))
      void answer.then((a) => socket.end(`${JSON.stringify(a)}\n`))
    })
  })
  await listenPrivately(server, path)
  return {
    close: () =>
      new Promise((done) => {
        server.close(() => {
          try {
            unlinkSync(path)
          } catch {
            // Already gone.
          }
          done()
        })
      }),
  }
}

/** Binds with a umask that leaves the socket to its owner alone, then makes sure of its mode. */
async function listenPrivately(server: Server, path: string): Promise<void> {
  const previous = process.umask(0o177)
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail)
      server.listen(path, () => {
        server.off('error', fail)
        done()
      })
    })
  } finally {
    process.umask(previous)
  }
  chmodSync(path, 0o600)
}

function parseRequest(line: string): ControlRequest | undefined {
  try {
    const parsed: unknown = JSON.parse(line)
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'command' in parsed &&
      typeof parsed.command === 'string' &&
      'args' in parsed &&
      Array.isArray(parsed.args) &&
      parsed.args.every((a) => typeof a === 'string')
    ) {
      return { command: parsed.command, args: parsed.args }
    }
  } catch {
    // Not JSON.
  }
  return undefined
}

/** Sends one command to the gateway on `dataDir` and resolves with its answer; rejects when nothing answers. */
export function sendControlRequest(
  dataDir: string,
  request: ControlRequest,
): Promise<ControlAnswer> {
  return new Promise((done, fail) => {
    const socket = createConnection(socketPathOf(dataDir))
    let received = ''
    socket.setEncoding('utf8')
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`))
    socket.on('data', (chunk: string) => {
      received += chunk
    })
    socket.on('error', fail)
    socket.on('end', () => {
      try {
        done(JSON.parse(received) as ControlAnswer)
      } catch {
        fail(new Error('the gateway closed the control socket without an answer'))
      }
    })
  })
}

/** True when a gateway accepts connections on `dataDir`'s control socket. */
export function controlSocketAnswers(dataDir: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection(socketPathOf(dataDir))
    socket.on('connect', () => {
      socket.destroy()
      done(true)
    })
    socket.on('error', () => done(false))
  })
}

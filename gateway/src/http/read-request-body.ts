import type { IncomingMessage } from 'node:http'
import { GatewayError } from './gateway-error.js'

/** The 413 for a body over the cap, on every route. */
export function bodyTooLarge(maxBytes: number): GatewayError {
  return new GatewayError('request_too_large', {
    message: `The request body exceeds ${maxBytes} bytes.`,
  })
}

/** Thrown when the client closes the request before its body ended: a client that left, not an outage. */
export class ClientClosedError extends Error {
  constructor(cause?: unknown) {
    super('the client closed the request before its body ended', { cause })
    this.name = 'ClientClosedError'
  }
}

/**
 * Reads a Node request body of at most `maxBytes`: a larger declared length fails at once, a longer chunked body
 * as soon as it passes the cap (the rest is discarded by the server so the error answer can still be written).
 * The listeners stay until the request is gone: once settled they do nothing, and removing four listeners per
 * request costs more than leaving them (this runs on every proxied request).
 */
export function readRequestBody(incoming: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = incoming.headers['content-length']
  if (declared !== undefined && Number(declared) > maxBytes) {
    incoming.resume()
    return Promise.reject(bodyTooLarge(maxBytes))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const fail = (err: Error) => {
      if (!settled) {
        settled = true
        reject(err)
      }
    }
    incoming.on('data', (chunk: Buffer) => {
      if (settled) {
        return
      }
      size += chunk.length
      if (size > maxBytes) {
        fail(bodyTooLarge(maxBytes))
        return
      }
      chunks.push(chunk)
    })
    incoming.on('end', () => {
      if (!settled) {
        settled = true
        resolve(
          chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size),
        )
      }
    })
    incoming.on('error', fail)
    incoming.on('close', () => fail(new ClientClosedError()))
  })
}

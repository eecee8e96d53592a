import type { IncomingMessage } from 'node:http'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../http/app-env.js'
import { GatewayError } from '../http/gateway-error.js'

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError('request_too_large', {
    message: `The request body exceeds ${maxBytes} bytes.`,
  })
}

/** A declared Content-Length over the cap, found before reading any of the body. */
function declaresTooMuch(incoming: IncomingMessage, maxBytes: number): boolean {
  const declared = incoming.headers['content-length']
  return declared !== undefined && Number(declared) > maxBytes
}

/**
 * Reads a Node request body of at most `maxBytes`: a larger declared length fails at once, a longer chunked body
 * as soon as it passes the cap (the rest is discarded so the error answer can still be written).
 */
export function readRequestBody(incoming: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (declaresTooMuch(incoming, maxBytes)) {
    incoming.resume()
    return Promise.reject(tooLarge(maxBytes))
  }
  return readCapped(incoming, maxBytes)
}

/**
 * Reads a Node request body, failing as soon as it passes `maxBytes` (the rest is then discarded by the server).
 * The listeners stay until the request is gone: once settled they do nothing, and removing four listeners per
 * request costs more than leaving them (this runs on every proxied request).
 */
function readCapped(incoming: IncomingMessage, maxBytes: number): Promise<Buffer> {
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
        fail(tooLarge(maxBytes))
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
    incoming.on('close', () =>
      fail(new Error('the client closed the request before its body ended')),
    )
  })
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

/**
 * 413 for a body over `maxBytes`. A declared Content-Length is checked without touching the body, so the route
 * still reads it through @hono/node-server's fast path (Hono's bodyLimit builds a web Request and stream for every
 * request, a measurable share of the proxy's CPU). A chunked body is read here with the cap and handed to the route
 * through Hono's body cache.
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw new Error(`bodyLimit: maxBytes must be a positive integer, got ${maxBytes}`)
  }
  return async function bodyLimit(c, next) {
    const method = c.req.method
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') {
      return next()
    }
    const declared = c.req.header('content-length')
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number(declared) > maxBytes) {
        throw tooLarge(maxBytes)
      }
      return next()
    }
    const incoming = c.env?.incoming
    const body =
      incoming === undefined
        ? c.req.arrayBuffer()
        : readCapped(incoming, maxBytes).then((all) => toArrayBuffer(all))
    // Hono keeps body promises in bodyCache (its type says methods, its runtime stores promises); text() and json()
    // derive from a cached arrayBuffer.
    ;(c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> }).arrayBuffer = body
    const buffer = await body
    if (buffer.byteLength > maxBytes) {
      throw tooLarge(maxBytes)
    }
    return next()
  }
}

import type { IncomingMessage } from 'node:http'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../http/app-env.js'
import { GatewayError } from '../http/gateway-error.js'

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError('request_too_large', {
    message: `The request body exceeds ${maxBytes} bytes.`,
  })
}

/** Reads a Node request body, failing as soon as it passes `maxBytes` (the socket is then left to the server). */
function readCapped(incoming: IncomingMessage, maxBytes: number): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const cleanup = () => {
      incoming.off('data', onData)
      incoming.off('end', onEnd)
      incoming.off('error', onError)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        cleanup()
        incoming.resume() // discard the rest so the response can still be written
        reject(tooLarge(maxBytes))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      const all = Buffer.concat(chunks, size)
      resolve(all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer)
    }
    const onError = (err: Error) => {
      cleanup()
      reject(err)
    }
    incoming.on('data', onData)
    incoming.on('end', onEnd)
    incoming.on('error', onError)
  })
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
    const body = incoming === undefined ? c.req.arrayBuffer() : readCapped(incoming, maxBytes)
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

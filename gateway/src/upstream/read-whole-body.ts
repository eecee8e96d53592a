import type { Readable } from 'node:stream'

/**
 * Reads an engine body whose declared length the caller has bounded. Rejects with the body's error (the client
 * left, the idle timeout, a reset) or when it closes before its end; undici itself refuses a body whose length
 * differs from its Content-Length.
 */
export function readWholeBody(body: Readable): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    // Socket data is never backed by a SharedArrayBuffer.
    const chunks: Buffer<ArrayBuffer>[] = []
    let size = 0
    let settled = false
    body.on('data', (chunk: Buffer<ArrayBuffer>) => {
      chunks.push(chunk)
      size += chunk.byteLength
    })
    body.once('end', () => {
      settled = true
      resolve(
        chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size),
      )
    })
    body.once('error', (err) => {
      settled = true
      reject(err)
    })
    body.once('close', () => {
      if (!settled) {
        reject(new Error('the engine body closed before its end'))
      }
    })
  })
}

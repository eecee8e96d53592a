import type { UpstreamBody } from '../upstream/upstream-response.js'

/**
 * Reads an engine body whose declared length the caller has bounded. Rejects with the body's error (the client
 * left, the idle timeout, a reset); undici itself refuses a body whose length differs from its Content-Length.
 */
export function readWholeBody(body: UpstreamBody): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    body.read({
      onData: (chunk) => {
        chunks.push(chunk)
        size += chunk.byteLength
      },
      onEnd: () => {
        resolve(
          chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size),
        )
      },
      onError: reject,
    })
  })
}

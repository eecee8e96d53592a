import type { UpstreamBody } from '../upstream/upstream-response.js'

/** Engine error bodies are small; anything past this is not read (the connection is closed instead). */
const MAX_ERROR_BODY_BYTES = 64 * 1024

/** The start of an engine's error body as text; never rejects (a body that fails mid-way gives what arrived). */
export function readErrorBody(body: UpstreamBody): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = []
    let size = 0
    const done = () =>
      resolve(Buffer.concat(parts, size).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8'))
    body.read({
      onData: (chunk) => {
        if (size >= MAX_ERROR_BODY_BYTES) {
          return
        }
        parts.push(chunk)
        size += chunk.byteLength
        if (size >= MAX_ERROR_BODY_BYTES) {
          body.destroy() // we do not drain the rest
          done()
        }
      },
      onEnd: done,
      onError: done,
    })
  })
}

import type { Readable } from 'node:stream'

/** Engine error bodies are small; anything past this is not read (the connection is closed instead). */
const MAX_ERROR_BODY_BYTES = 64 * 1024

/** The start of an engine's error body as text; never throws (a body that fails mid-way gives what arrived). */
export async function readErrorBody(body: Readable): Promise<string> {
  const parts: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of body) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
      parts.push(buf)
      size += buf.byteLength
      if (size >= MAX_ERROR_BODY_BYTES) {
        break // leaving the loop destroys the body: we do not drain the rest
      }
    }
  } catch {
    // what arrived is all there is
  }
  return Buffer.concat(parts).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8')
}

import { request } from 'node:http'

/** Hand-built multipart/form-data bodies and a client that uploads them in pieces, for the audio route tests. */

export interface FormPart {
  readonly name: string
  readonly value?: string
  /** A file part's bytes (with `filename`). */
  readonly file?: Buffer
  readonly filename?: string
}

export const BOUNDARY = '----keygate-test-boundary-7MA4YWxkTrZu0gW'

export function multipart(parts: readonly FormPart[], boundary = BOUNDARY): Buffer {
  const pieces: Buffer[] = []
  for (const p of parts) {
    const disposition =
      p.file === undefined
        ? `form-data; name="${p.name}"`
        : `form-data; name="${p.name}"; filename="${p.filename ?? 'audio.wav'}"`
    const type = p.file === undefined ? '' : 'Content-Type: audio/wav\r\n'
    pieces.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`))
    pieces.push(p.file ?? Buffer.from(p.value ?? ''))
    pieces.push(Buffer.from('\r\n'))
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`))
  return Buffer.concat(pieces)
}

/** A body fetch accepts (its types want an ArrayBuffer-backed view). */
export function asBody(bytes: Buffer): Blob {
  return new Blob([new Uint8Array(bytes)])
}

/** Bytes that look like audio: every byte value, repeated. */
export function fakeAudio(bytes: number): Buffer {
  const out = Buffer.alloc(bytes)
  for (let i = 0; i < bytes; i++) {
    out[i] = (i * 31 + 7) & 0xff
  }
  return out
}

export interface UploadAnswer {
  readonly status: number
  readonly body: string
}

/**
 * POSTs `pieces` one after another, chunked (no Content-Length), calling `between(i)` before piece i > 0 so a
 * test can look at what the engine has received meanwhile. Resolves with the answer, even when it comes before
 * the upload ended (a 413).
 */
export function upload(
  url: string,
  headers: Record<string, string>,
  pieces: readonly Buffer[],
  between: (index: number) => Promise<void> = async () => {},
): Promise<UploadAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
    })
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      )
    })
    req.on('error', (err) => {
      // The gateway may answer and close before the whole upload is written.
      if (!('code' in err) || (err.code !== 'EPIPE' && err.code !== 'ECONNRESET')) {
        reject(err)
      }
    })
    void (async () => {
      for (const [i, piece] of pieces.entries()) {
        if (i > 0) {
          await between(i)
        }
        if (req.destroyed) {
          return
        }
        await new Promise<void>((done) => req.write(piece, () => done()))
      }
      req.end()
    })()
  })
}

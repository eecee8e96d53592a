import type { IncomingMessage } from 'node:http'
import busboy from 'busboy'
import { GatewayError } from '../http/gateway-error.js'
import { bodyTooLarge, ClientClosedError } from '../http/read-request-body.js'

/**
 * Finds `model` in a multipart/form-data body (the audio routes) as the bytes arrive, with busboy, and keeps
 * the bytes read so far to send on: the body is held only until `model` has been read (the client usually sends
 * it before the file; the OpenAI SDKs do when the file is a stream). A form whose `model` comes after more than
 * MODEL_SEARCH_MAX_BYTES is refused rather than held in memory.
 */

/** How far into a form `model` may come. */
export const MODEL_SEARCH_MAX_BYTES = 8 * 1024 * 1024
/** `model` is a name; other fields (a prompt) are read and dropped, and may be longer. */
const FIELD_MAX_BYTES = 64 * 1024

export interface MultipartHead {
  readonly model: string
  /** The boundary from the content type (for renaming `model` in `held`). */
  readonly boundary: string
  /** The client's bytes read until `model` was found, in order. */
  readonly held: readonly Buffer[]
  readonly heldBytes: number
}

function invalid(message: string, param: string | null = null, cause?: unknown): GatewayError {
  return new GatewayError('invalid_request', { message, param, cause })
}

const BOUNDARY = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^;\s]{1,70}))/i

/** The form's boundary; throws 415 for a body that is not multipart/form-data, 400 without a boundary. */
function boundaryOf(contentType: string | undefined): string {
  if (contentType === undefined || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
    throw new GatewayError('unsupported_media_type', {
      message:
        "Unsupported media type: send 'multipart/form-data' with the audio file and `model`.",
    })
  }
  const match = BOUNDARY.exec(contentType)
  const boundary = match?.[1] ?? match?.[2]
  if (boundary === undefined) {
    throw invalid('The multipart/form-data content type has no boundary.')
  }
  return boundary
}

/**
 * Reads `incoming` until busboy has seen the `model` field; resolves with it and the bytes read, leaving the rest
 * of the body unread (paused). Rejects with a 4xx GatewayError (or ClientClosedError), after which the rest of the
 * body is discarded as it arrives.
 */
export function readMultipartModel(
  incoming: IncomingMessage,
  maxBodyBytes: number,
): Promise<MultipartHead> {
  const boundary = boundaryOf(incoming.headers['content-type'])
  const declared = incoming.headers['content-length']
  if (declared !== undefined && Number(declared) > maxBodyBytes) {
    incoming.resume()
    return Promise.reject(bodyTooLarge(maxBodyBytes))
  }
  let parser: busboy.Busboy
  try {
    parser = busboy({ headers: incoming.headers, limits: { fieldSize: FIELD_MAX_BYTES } })
  } catch (err) {
    return Promise.reject(invalid('The multipart/form-data body could not be read.', null, err))
  }
  return new Promise((resolve, reject) => {
    const held: Buffer[] = []
    let size = 0
    let settled = false
    const stop = () => {
      settled = true
      incoming.off('data', onData)
      incoming.off('end', onEnd)
      incoming.off('close', onClose)
    }
    const fail = (err: Error) => {
      if (!settled) {
        stop()
        incoming.resume() // the rest is discarded as it comes, so the error answer can be read
        reject(err)
      }
    }
    const onData = (chunk: Buffer) => {
      if (size >= MODEL_SEARCH_MAX_BYTES) {
        // Checked before the next chunk is read: at most the cap and one chunk are ever held.
        fail(
          invalid(
            `\`model\` must come within the first ${MODEL_SEARCH_MAX_BYTES} bytes of the form: send it before the file.`,
            'model',
          ),
        )
        return
      }
      size += chunk.byteLength
      if (size > maxBodyBytes) {
        fail(bodyTooLarge(maxBodyBytes))
        return
      }
      held.push(chunk)
      parser.write(chunk) // busboy emits a field as soon as its part has ended, inside this call
    }
    const onEnd = () => {
      parser.end()
      fail(invalid('You must provide a model parameter.', 'model'))
    }
    const onClose = () => fail(new ClientClosedError())
    parser.on('field', (name, value, info) => {
      if (settled || name !== 'model') {
        return
      }
      if (info.valueTruncated || value === '') {
        fail(invalid('The `model` field is empty or too long.', 'model'))
        return
      }
      stop()
      incoming.pause()
      resolve({ model: value, boundary, held, heldBytes: size })
    })
    parser.on('file', (_name, file) => {
      file.on('error', () => {}) // a file part cut off when we stop reading is not an error here
      file.resume()
    })
    parser.on('error', (err: unknown) =>
      fail(invalid('The multipart/form-data body is malformed.', null, err)),
    )
    incoming.on('data', onData)
    incoming.on('end', onEnd)
    incoming.on('close', onClose)
  })
}

/** `name="model"` (or `name=model`) in a part's Content-Disposition, not a file. */
const MODEL_DISPOSITION =
  /^content-disposition:[^\r\n]*;\s*name\s*=\s*(?:"model"|model)\s*(?:;[^\r\n]*)?$/im
const FILENAME = /^content-disposition:[^\r\n]*filename\*?\s*=/im

/**
 * `held` with the value of its `model` field replaced by `to`; undefined when the field is not found there as
 * plain bytes equal to `from` (an unusual encoding): then the caller refuses rather than guessing.
 */
export function renameModelField(
  held: Buffer,
  boundary: string,
  from: string,
  to: string,
): Buffer | undefined {
  const delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1')
  // The first delimiter may open the body without the CRLF before it.
  let at = held.indexOf(delimiter.subarray(2))
  while (at >= 0) {
    const headerStart = at + delimiter.byteLength // past "--boundary\r\n"
    const headerEnd = held.indexOf('\r\n\r\n', headerStart)
    if (headerEnd < 0) {
      return undefined
    }
    const valueStart = headerEnd + 4
    const next = held.indexOf(delimiter, valueStart)
    if (next < 0) {
      return undefined
    }
    const header = held.toString('latin1', headerStart, headerEnd)
    if (MODEL_DISPOSITION.test(header) && !FILENAME.test(header)) {
      if (held.toString('utf8', valueStart, next) !== from) {
        return undefined
      }
      return Buffer.concat([held.subarray(0, valueStart), Buffer.from(to), held.subarray(next)])
    }
    at = next + 2
  }
  return undefined
}

import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { GatewayError } from '../http/gateway-error.js'
import { bodyTooLarge, ClientClosedError } from '../http/read-request-body.js'
import { type MultipartHead, renameModelField } from './multipart-model.js'

/**
 * A multipart request body on its way to the engine: the bytes read while finding `model`, then the rest of the
 * client's body as it arrives, never collected. Each engine attempt gets a fresh stream (open); a second attempt
 * is possible only while the first read nothing. The body limit applies to everything the client sends: past it,
 * the engine request is aborted and the client gets a 413.
 */
export class MultipartUpload {
  readonly kind = 'multipart'
  readonly model: string
  readonly #incoming: IncomingMessage
  readonly #maxBodyBytes: number
  readonly #boundary: string
  #held: readonly Buffer[]
  #received: number
  #contentLength: number | undefined
  #current: Readable | undefined
  #listening = false
  #ended = false
  #started = false
  #failure: GatewayError | undefined

  constructor(incoming: IncomingMessage, head: MultipartHead, maxBodyBytes: number) {
    this.#incoming = incoming
    this.model = head.model
    this.#boundary = head.boundary
    this.#held = head.held
    this.#received = head.heldBytes
    this.#maxBodyBytes = maxBodyBytes
    const declared = Number(incoming.headers['content-length'])
    this.#contentLength = Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined
    this.#ended = incoming.readableEnded
  }

  /** The length the engine is told; undefined when the client sent its body chunked (so is the engine's). */
  get contentLength(): number | undefined {
    return this.#contentLength
  }

  /** Whether some of the body went to an engine already (then it cannot be sent to another). */
  get started(): boolean {
    return this.#started
  }

  /** Why the upload was cut (the body limit), if it was. */
  get failure(): GatewayError | undefined {
    return this.#failure
  }

  /**
   * Sends `model` as `name` (the model's upstream name): the field is in the held bytes, so only they change.
   * Throws a 400 when the field cannot be found there as plain bytes.
   */
  renameModel(name: string): void {
    if (name === this.model) {
      return
    }
    const held = Buffer.concat(this.#held as Buffer[])
    const renamed = renameModelField(held, this.#boundary, this.model, name)
    if (renamed === undefined) {
      throw new GatewayError('invalid_request', {
        message: 'Send `model` as a plain form field (its value could not be read as sent).',
        param: 'model',
      })
    }
    this.#held = [renamed]
    if (this.#contentLength !== undefined) {
      this.#contentLength += renamed.byteLength - held.byteLength
    }
  }

  /** A fresh body stream for one engine attempt (an earlier one, if any, is dropped). */
  open(): Readable {
    this.#current?.destroy()
    const held = this.#held
    let next = 0
    const stream = new Readable({
      read: () => {
        while (next < held.length) {
          this.#started = true
          if (!stream.push(held[next++])) {
            return
          }
        }
        this.#flow(stream)
      },
      destroy: (err, callback) => {
        if (this.#current === stream) {
          this.#current = undefined
          this.#incoming.pause()
        }
        callback(err)
      },
    })
    this.#current = stream
    return stream
  }

  /** Stops reading for the engine; what the client still sends is discarded (the answer can still be read). */
  dispose(): void {
    this.#current?.destroy()
    this.#incoming.off('data', this.#onData)
    this.#incoming.off('end', this.#onEnd)
    this.#incoming.off('close', this.#onClose)
    if (!this.#ended) {
      this.#incoming.resume()
    }
  }

  #flow(stream: Readable): void {
    if (this.#ended) {
      stream.push(null)
      return
    }
    if (!this.#listening) {
      this.#listening = true
      this.#incoming.on('data', this.#onData)
      this.#incoming.on('end', this.#onEnd)
      this.#incoming.on('close', this.#onClose)
    }
    this.#incoming.resume()
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#received += chunk.byteLength
    const stream = this.#current
    if (this.#received > this.#maxBodyBytes) {
      this.#failure ??= bodyTooLarge(this.#maxBodyBytes)
      stream?.destroy(this.#failure)
      return
    }
    if (stream === undefined) {
      return
    }
    this.#started = true
    if (!stream.push(chunk)) {
      this.#incoming.pause()
    }
  }

  readonly #onEnd = (): void => {
    this.#ended = true
    this.#current?.push(null)
  }

  readonly #onClose = (): void => {
    if (!this.#ended) {
      this.#current?.destroy(new ClientClosedError())
    }
  }
}

import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import busboy from 'busboy'
import { CREATED, dataFrame, type StreamPlan, type WireRequest } from './fake-wire.js'

/**
 * vLLM's audio routes (`/v1/audio/transcriptions`, `/translations`; Whisper models): a multipart form with
 * `file` and `model` (and `stream`, `response_format`, …) in; `{"text", "usage":{"type":"duration",…}}` out, or
 * with `stream=true` OpenAI-style `data:` chunks ending in `[DONE]`.
 */

export interface AudioForm {
  readonly fields: Readonly<Record<string, string>>
  /** Name and size of each file part. */
  readonly files: readonly { readonly field: string; readonly bytes: number }[]
}

/** Parses the form the engine received (the whole body: the fake reads it before answering). */
export function parseAudioForm(contentType: string, body: Buffer): Promise<AudioForm> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {}
    const files: { field: string; bytes: number }[] = []
    const parser = busboy({ headers: { 'content-type': contentType } })
    parser.on('field', (name, value) => {
      fields[name] = value
    })
    parser.on('file', (field, stream) => {
      const file = { field, bytes: 0 }
      files.push(file)
      stream.on('data', (c: Buffer) => {
        file.bytes += c.byteLength
      })
    })
    parser.on('close', () => resolve({ fields, files }))
    parser.on('error', reject)
    Readable.from([body]).pipe(parser)
  })
}

/** The form as the JSON the rest of the fake reads (`model`, `stream`). */
export function audioJson(form: AudioForm): Record<string, unknown> {
  return { ...form.fields, stream: form.fields.stream === 'true' }
}

export function audioAnswer(w: WireRequest): unknown {
  return { text: w.tokens.join(''), usage: { type: 'duration', seconds: 3 } }
}

export function audioStream(w: WireRequest, path: string): StreamPlan {
  const head = {
    id: `trsc-${randomUUID()}`,
    object: path.endsWith('translations') ? 'translation.chunk' : 'transcription.chunk',
    created: CREATED,
    model: typeof w.json.model === 'string' ? w.json.model : 'fake-model',
  }
  return {
    frames: w.tokens.map((content) => dataFrame({ ...head, choices: [{ delta: { content } }] })),
    end: 'data: [DONE]\n\n',
    errorFrame: (message) =>
      `${dataFrame({ error: { message, type: 'InternalServerError', param: null, code: 500 } }, true)}data: [DONE]\n\n`,
  }
}

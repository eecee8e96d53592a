import { readdirSync, readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Reads the llama.cpp captures in gateway/test/fixtures/llamacpp/ (their README says how they were made), and
 * reduces an answer to what a faithful fake must reproduce: the headers that matter and the body's framing and
 * JSON shapes, without the generated text, ids, times and counts that differ on every call.
 */

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/llamacpp/', import.meta.url))

export interface Transcript {
  readonly name: string
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string | undefined
  readonly status: number
  /** Header names and values in the order sent (names as written). */
  readonly responseHeaders: readonly [string, string][]
  readonly responseBody: string
}

export function listTranscripts(): string[] {
  return readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.txt'))
}

export function readTranscript(file: string): Transcript {
  const text = readFileSync(join(FIXTURES_DIR, file), 'utf8')
  const firstLf = text.indexOf('\n')
  const requestLine = text.slice(2, firstLf)
  const response = text.slice(text.indexOf('\n', firstLf + 1) + 1)
  const headEnd = response.indexOf('\r\n\r\n')
  const [statusLine = '', ...headerLines] = response.slice(0, headEnd).split('\r\n')
  const url = new URL(requestLine.split(' ')[0] ?? '')
  const dataAt = requestLine.indexOf(' -d ')
  const contentType = /-H content-type: (\S+)/.exec(requestLine)?.[1]
  return {
    name: file,
    method: dataAt < 0 ? 'GET' : 'POST',
    path: url.pathname,
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    // A note in parentheses after three spaces is not part of the body.
    body: dataAt < 0 ? undefined : requestLine.slice(dataAt + 4).replace(/ {3}\(.*\)$/, ''),
    status: Number(statusLine.split(' ')[1]),
    responseHeaders: headerLines.map((line) => {
      const colon = line.indexOf(':')
      return [line.slice(0, colon), line.slice(colon + 1).trim()] as [string, string]
    }),
    responseBody: response.slice(headEnd + 4),
  }
}

export interface RawAnswer {
  readonly status: number
  readonly headers: readonly [string, string][]
  readonly body: string
}

/**
 * Sends a transcript's request to `baseUrl` as curl did (keep-alive, no Connection header) and reads the answer
 * with its raw header names and order.
 */
export function replay(baseUrl: string, t: Transcript): Promise<RawAnswer> {
  const agent = new Agent({ keepAlive: true })
  return new Promise<RawAnswer>((resolve, reject) => {
    const req = request(
      `${baseUrl}${t.path}`,
      { method: t.method, headers: t.headers, agent },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const raw = res.rawHeaders
          const headers: [string, string][] = []
          for (let i = 0; i + 1 < raw.length; i += 2) {
            headers.push([raw[i] ?? '', raw[i + 1] ?? ''])
          }
          resolve({
            status: res.statusCode ?? 0,
            headers,
            body: Buffer.concat(chunks).toString('utf8'),
          })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(t.body)
  }).finally(() => agent.destroy())
}

/** Headers whose names and values a client or the gateway acts on, in order; framing ones apart. */
export function headersThatMatter(headers: readonly [string, string][]) {
  const lower = headers.map(([n, v]) => [n.toLowerCase(), v] as const)
  const pick = (name: string) => lower.find(([n]) => n === name)?.[1]
  return {
    // Names as written, in order: llama.cpp's own headers.
    own: headers.filter(([n]) =>
      ['server', 'access-control-allow-origin', 'x-accel-buffering', 'content-type'].includes(
        n.toLowerCase(),
      ),
    ),
    chunked: pick('transfer-encoding') === 'chunked',
    hasLength: pick('content-length') !== undefined,
    keepAlive: pick('keep-alive'),
    closes: pick('connection') === 'close',
  }
}

/** Values kept as they are in a shape: they name a kind, not generated content. */
const KEPT = new Set(['type', 'object', 'role', 'status', 'finish_reason', 'stop_reason'])

/** A JSON value with its structure and key order, and every generated value replaced by its type. */
export function shapeOf(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    return value.map((v) => shapeOf(v))
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).map(([k, v]) => [k, shapeOf(v, k)])
  }
  if (typeof value === 'string') {
    return KEPT.has(key) ? value : '<string>'
  }
  return typeof value === 'number' ? '<number>' : value
}

/** A body's framing: for SSE each event's name and data shape (and [DONE]); for JSON its shape. */
export function framingOf(body: string, isStream: boolean): unknown {
  if (!isStream) {
    return shapeOf(JSON.parse(body))
  }
  if (!body.endsWith('\n\n')) {
    return { unterminated: body.slice(-40) }
  }
  return body
    .slice(0, -2)
    .split('\n\n')
    .map((frame) =>
      frame.split('\n').map((line) => {
        if (line.startsWith('data: ') && line !== 'data: [DONE]') {
          return ['data', shapeOf(JSON.parse(line.slice(6)))]
        }
        return line
      }),
    )
}

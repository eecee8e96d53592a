import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ENGINE_ERRORS,
  type FakeEngine,
  type Script,
  startFakeEngine,
} from '../support/fake-engine.js'
import {
  framingOf,
  headersThatMatter,
  listTranscripts,
  readTranscript,
  replay,
  type Transcript,
} from '../support/transcript.js'

/**
 * The fake llama.cpp answers each captured request (gateway/test/fixtures/llamacpp/) the way the real
 * llama-server did: the same status, the headers that matter (names, values, order), the same framing (SSE
 * events, blank lines, [DONE] or none) and the same JSON shapes (keys, their order, value types). Only generated
 * text, ids, times and counts differ. No database: this tests the test's own engine.
 */

/** How to make the fake give the answer a capture shows, where a plain request is not enough. */
function scriptFor(t: Transcript): Script | undefined {
  if (t.name === 'llamacpp-error-context.txt') {
    return ENGINE_ERRORS.llamaContextTooLong // the capture's prompt was 40,000 words long
  }
  if (t.name === 'llamacpp-error-mid-stream.txt') {
    const frames = t.responseBody.split('\n\n').filter((f) => f.startsWith('data: {"choices"'))
    const error = JSON.parse(t.responseBody.trim().split('\n').at(-1)?.slice(6) ?? '{}') as {
      error: { message: string }
    }
    return {
      kind: 'error_mid_stream',
      afterFrames: frames.length,
      tokens: frames.map((_, i) => `t${i}`),
      message: error.error.message,
    }
  }
  return undefined
}

describe('the fake llama.cpp against the captures of a real llama-server', () => {
  let engine: FakeEngine
  beforeAll(async () => {
    engine = await startFakeEngine({ flavour: 'llamacpp' })
  })
  afterAll(async () => {
    await engine?.close()
  })

  it('has captures to compare with', () => {
    expect(listTranscripts().length).toBeGreaterThanOrEqual(16)
  })

  it.each(listTranscripts())('answers %s like llama.cpp', async (file) => {
    const t = readTranscript(file)
    engine.setScript(scriptFor(t) ?? { kind: 'normal' })
    const answer = await replay(engine.url, t)
    expect(answer.status).toBe(t.status)
    expect(headersThatMatter(answer.headers)).toEqual(headersThatMatter(t.responseHeaders))
    const isStream = headersThatMatter(t.responseHeaders).chunked
    expect(framingOf(answer.body, isStream)).toEqual(framingOf(t.responseBody, isStream))
  })
})

import { describe, expect, it } from 'vitest'
import { readAnthropicUsage, readAudioUsage, readResponsesUsage, readUsage } from './token-usage.js'

describe('readUsage', () => {
  it('reads prompt and completion tokens, and each alone', () => {
    expect(readUsage({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 })).toEqual({
      promptTokens: 3,
      completionTokens: 4,
    })
    expect(readUsage({ prompt_tokens: 5, total_tokens: 5 })).toEqual({
      promptTokens: 5,
      completionTokens: 0,
    })
    expect(readUsage({ completion_tokens: 2 })).toEqual({ promptTokens: 0, completionTokens: 2 })
  })

  it("takes vLLM rerank's total_tokens as input tokens", () => {
    expect(readUsage({ total_tokens: 9 })).toEqual({ promptTokens: 9, completionTokens: 0 })
  })

  it('ignores other members, and refuses what is not a usage object', () => {
    expect(readUsage({ prompt_tokens: 1, prompt_tokens_details: null })).toEqual({
      promptTokens: 1,
      completionTokens: 0,
    })
    for (const bad of [
      null,
      undefined,
      7,
      'usage',
      [],
      {},
      { prompt_tokens: -1 },
      { prompt_tokens: 1.5 },
      { prompt_tokens: '3' },
      { prompt_tokens: null, completion_tokens: 2 },
      { prompt_tokens: 1, total_tokens: Number.NaN },
    ]) {
      expect(readUsage(bad)).toBeUndefined()
    }
  })
})

describe('readAnthropicUsage', () => {
  it('counts the cached prompt tokens as prompt tokens', () => {
    expect(
      readAnthropicUsage({ cache_read_input_tokens: 28, input_tokens: 1, output_tokens: 3 }),
    ).toEqual({ promptTokens: 29, completionTokens: 3 })
    expect(
      readAnthropicUsage({
        input_tokens: 2,
        cache_creation_input_tokens: 5,
        cache_read_input_tokens: 0,
        output_tokens: 0,
      }),
    ).toEqual({ promptTokens: 7, completionTokens: 0 })
    expect(readAnthropicUsage({ output_tokens: 4 })).toEqual({
      promptTokens: 0,
      completionTokens: 4,
    })
  })

  it('refuses what is not a usage object', () => {
    for (const bad of [null, {}, { input_tokens: -1 }, { output_tokens: '3' }, []]) {
      expect(readAnthropicUsage(bad)).toBeUndefined()
    }
  })
})

describe('readResponsesUsage and readAudioUsage', () => {
  it("reads the Responses API's input and output tokens (cached ones are inside input)", () => {
    const usage = {
      input_tokens: 29,
      output_tokens: 3,
      total_tokens: 32,
      input_tokens_details: { cached_tokens: 28 },
    }
    expect(readResponsesUsage(usage)).toEqual({ promptTokens: 29, completionTokens: 3 })
    expect(readResponsesUsage({ prompt_tokens: 1 })).toBeUndefined()
  })

  it("reads both engines' audio usage, and finds no tokens in a duration", () => {
    expect(readAudioUsage({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 })).toEqual({
      promptTokens: 5,
      completionTokens: 2,
    })
    expect(
      readAudioUsage({ type: 'tokens', input_tokens: 10, output_tokens: 4, total_tokens: 14 }),
    ).toEqual({ promptTokens: 10, completionTokens: 4 })
    expect(readAudioUsage({ type: 'duration', seconds: 3 })).toBeUndefined()
  })
})

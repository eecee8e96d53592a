import { describe, expect, it } from 'vitest'
import { readUsage } from './token-usage.js'

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

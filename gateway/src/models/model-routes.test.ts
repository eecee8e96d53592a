import { describe, expect, it } from 'vitest'
import { MODEL_ROUTES, routeBit, servedRoutes } from './model-routes.js'

describe('servedRoutes', () => {
  it('gives vLLM every route, llama.cpp no embeddings, rerank or audio, openai no Anthropic route', () => {
    expect(servedRoutes('vllm', null).list).toEqual(MODEL_ROUTES)
    const llama = servedRoutes('llama.cpp', null).list
    expect(llama).toContain('/v1/messages')
    expect(llama).not.toContain('/v1/embeddings')
    expect(llama).not.toContain('/v1/audio/transcriptions')
    const openai = servedRoutes('openai', null).list
    expect(openai).toContain('/v1/responses')
    expect(openai).not.toContain('/v1/messages')
  })

  it("uses the model's own list instead, in table order, ignoring names it does not know", () => {
    const own = servedRoutes('llama.cpp', ['/v1/embeddings', '/tokenize', '/v1/chat/completions'])
    expect(own.list).toEqual(['/v1/chat/completions', '/v1/embeddings'])
    expect(own.bits).toBe(routeBit('/v1/chat/completions') | routeBit('/v1/embeddings'))
    expect(own.bits & routeBit('/v1/messages')).toBe(0)
    expect(servedRoutes('vllm', []).bits).toBe(0)
  })
})

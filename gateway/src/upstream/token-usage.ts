import { z } from 'zod'

/** Token counts an engine reported for one request (OpenAI's `usage` object). */
export interface TokenUsage {
  readonly promptTokens: number
  readonly completionTokens: number
}

const count = z.number().int().nonnegative()
const Usage = z.looseObject({
  prompt_tokens: count.optional(),
  completion_tokens: count.optional(),
  total_tokens: count.optional(),
})

/** The counts in an engine's `usage` value; undefined when it is missing or not shaped like one. */
export function readUsage(value: unknown): TokenUsage | undefined {
  const parsed = Usage.safeParse(value)
  if (!parsed.success) {
    return undefined
  }
  const { prompt_tokens, completion_tokens, total_tokens } = parsed.data
  if (prompt_tokens === undefined && completion_tokens === undefined) {
    // vLLM's rerank reports only total_tokens, all of them input.
    return total_tokens === undefined
      ? undefined
      : { promptTokens: total_tokens, completionTokens: 0 }
  }
  // Embeddings report prompt tokens only.
  return { promptTokens: prompt_tokens ?? 0, completionTokens: completion_tokens ?? 0 }
}

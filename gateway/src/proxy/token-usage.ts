/** Token counts an engine reported for one request (OpenAI's `usage` object). */
export interface TokenUsage {
  readonly promptTokens: number
  readonly completionTokens: number
}

/** Absent, or a non-negative integer; anything else makes the whole usage object unreadable. */
function isCountOrAbsent(value: unknown): boolean {
  return value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= 0)
}

/**
 * The counts in an engine's `usage` value; undefined when it is missing or not shaped like one. Checked by hand:
 * it runs on every answer.
 */
export function readUsage(value: unknown): TokenUsage | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return undefined
  }
  const { prompt_tokens, completion_tokens, total_tokens } = value as Record<string, unknown>
  if (
    !isCountOrAbsent(prompt_tokens) ||
    !isCountOrAbsent(completion_tokens) ||
    !isCountOrAbsent(total_tokens)
  ) {
    return undefined
  }
  const prompt = prompt_tokens as number | undefined
  const completion = completion_tokens as number | undefined
  if (prompt === undefined && completion === undefined) {
    // vLLM's rerank reports only total_tokens, all of them input.
    return total_tokens === undefined
      ? undefined
      : { promptTokens: total_tokens as number, completionTokens: 0 }
  }
  // Embeddings report prompt tokens only.
  return { promptTokens: prompt ?? 0, completionTokens: completion ?? 0 }
}

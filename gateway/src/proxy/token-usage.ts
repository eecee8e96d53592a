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

/** What reads one API's usage object (the value of `usage`). */
export type UsageReader = (value: unknown) => TokenUsage | undefined

function countsOf(value: unknown, names: readonly string[]): (number | undefined)[] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return undefined
  }
  const record = value as Record<string, unknown>
  const counts = names.map((n) => record[n])
  return counts.every(isCountOrAbsent) ? (counts as (number | undefined)[]) : undefined
}

/**
 * Anthropic's usage (Messages, and the Messages stream's message_start/message_delta). Its `input_tokens` leaves
 * out the prompt tokens read from or written to the prompt cache (llama.cpp reports a 29-token prompt as 1 +
 * `cache_read_input_tokens` 28), so the three are added: usage then counts the prompt as chat completions'
 * `prompt_tokens` does, whichever API carried it.
 */
export function readAnthropicUsage(value: unknown): TokenUsage | undefined {
  const counts = countsOf(value, [
    'input_tokens',
    'cache_read_input_tokens',
    'cache_creation_input_tokens',
    'output_tokens',
  ])
  if (counts === undefined || counts.every((c) => c === undefined)) {
    return undefined
  }
  const [input, cacheRead, cacheWrite, output] = counts
  return {
    promptTokens: (input ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0),
    completionTokens: output ?? 0,
  }
}

/** The Responses API's usage (and OpenAI's newer audio usage): `input_tokens` already includes cached tokens. */
export function readResponsesUsage(value: unknown): TokenUsage | undefined {
  const counts = countsOf(value, ['input_tokens', 'output_tokens'])
  if (counts === undefined || (counts[0] === undefined && counts[1] === undefined)) {
    return undefined
  }
  return { promptTokens: counts[0] ?? 0, completionTokens: counts[1] ?? 0 }
}

/** Audio answers carry either shape (vLLM: prompt/completion tokens; OpenAI: input/output), or seconds only. */
export function readAudioUsage(value: unknown): TokenUsage | undefined {
  // input/output first: OpenAI's also has total_tokens, which readUsage alone would take for rerank's.
  return readResponsesUsage(value) ?? readUsage(value)
}

/**
 * Tokens to reserve for a request before it is sent: the prompt guessed from the body's size (about four bytes per
 * token for English text; JSON punctuation makes this an overestimate there, while CJK text runs nearer three bytes
 * per token), plus the completion the client allows (`max_tokens` / `max_completion_tokens`) or, when it set none,
 * `defaultMaxTokens`. O(1): the body is not scanned. Pass 0 as `maxTokens` for routes without a completion
 * (embeddings, rerank). The reservation is settled to the engine's reported usage when the answer ends.
 */
export function estimateRequestTokens(
  bodyByteLength: number,
  maxTokens: number | undefined,
  defaultMaxTokens: number,
): number {
  const prompt = bodyByteLength > 0 ? Math.ceil(bodyByteLength / 4) : 0
  const completion =
    maxTokens !== undefined && Number.isFinite(maxTokens) && maxTokens >= 0
      ? Math.ceil(maxTokens)
      : defaultMaxTokens
  return prompt + completion
}

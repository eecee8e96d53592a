import { randomUUID } from 'node:crypto'
import {
  eventFrame,
  FAKE_CACHED_TOKENS,
  FAKE_PROMPT_TOKENS,
  llamaId,
  modelOf,
  type StreamPlan,
  type WireRequest,
} from './fake-wire.js'

/**
 * Anthropic's Messages API (`/v1/messages`, `/v1/messages/count_tokens`) as the engines serve it. llama.cpp:
 * gateway/test/fixtures/llamacpp/llamacpp-messages*.txt (it reports the cached part of the prompt apart, in
 * `cache_read_input_tokens`). vLLM (vllm/entrypoints/anthropic/serving.py): pydantic dumps without unset fields,
 * so `message_start.message` has no `type`/`role`, and `message_delta.usage` repeats `input_tokens`.
 */

function stopReason(w: WireRequest): string {
  return w.truncated ? 'max_tokens' : 'end_turn'
}

function llamaUsage(outputTokens: number) {
  return {
    cache_read_input_tokens: FAKE_CACHED_TOKENS,
    input_tokens: FAKE_PROMPT_TOKENS - FAKE_CACHED_TOKENS,
    output_tokens: outputTokens,
  }
}

export function messagesStream(w: WireRequest): StreamPlan {
  const model = modelOf(w.json)
  const isLlama = w.flavour === 'llamacpp'
  const id = isLlama ? llamaId('chatcmpl-') : `chatcmpl-${randomUUID()}`
  const frames = [
    eventFrame('message_start', {
      type: 'message_start',
      message: isLlama
        ? {
            id,
            type: 'message',
            role: 'assistant',
            content: [],
            model,
            stop_reason: null,
            stop_sequence: null,
            usage: llamaUsage(0),
          }
        : {
            id,
            content: [],
            model,
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: FAKE_PROMPT_TOKENS, output_tokens: 0 },
          },
    }),
    eventFrame('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    }),
    ...w.tokens.map((text) =>
      eventFrame('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text },
      }),
    ),
    eventFrame('content_block_stop', { type: 'content_block_stop', index: 0 }),
    eventFrame('message_delta', {
      type: 'message_delta',
      delta: isLlama
        ? { stop_reason: stopReason(w), stop_sequence: null }
        : { stop_reason: stopReason(w) },
      usage: isLlama
        ? { output_tokens: w.tokens.length }
        : { input_tokens: FAKE_PROMPT_TOKENS, output_tokens: w.tokens.length },
    }),
    eventFrame('message_stop', { type: 'message_stop' }),
  ]
  return {
    frames,
    end: '',
    // llama.cpp sends its bare error object as the event's data; vLLM an Anthropic error event. Then both close.
    errorFrame: (message) =>
      isLlama
        ? eventFrame('error', { code: 500, message, type: 'server_error' })
        : eventFrame('error', { type: 'error', error: { type: 'internal_error', message } }),
  }
}

export function messagesAnswer(w: WireRequest): unknown {
  const model = modelOf(w.json)
  const content = [{ type: 'text', text: w.tokens.join('') }]
  if (w.flavour === 'llamacpp') {
    return {
      id: llamaId('chatcmpl-'),
      type: 'message',
      role: 'assistant',
      content,
      model,
      stop_reason: stopReason(w),
      stop_sequence: null,
      usage: llamaUsage(w.tokens.length),
    }
  }
  return {
    id: `chatcmpl-${randomUUID()}`,
    type: 'message',
    role: 'assistant',
    content,
    model,
    stop_reason: stopReason(w),
    usage: { input_tokens: FAKE_PROMPT_TOKENS, output_tokens: w.tokens.length },
  }
}

export function countTokensAnswer(w: WireRequest): unknown {
  return w.flavour === 'llamacpp'
    ? { input_tokens: FAKE_PROMPT_TOKENS }
    : {
        input_tokens: FAKE_PROMPT_TOKENS,
        context_management: { original_input_tokens: FAKE_PROMPT_TOKENS },
      }
}

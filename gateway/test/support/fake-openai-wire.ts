import { randomUUID } from 'node:crypto'
import {
  CREATED,
  dataFrame,
  FAKE_CACHED_TOKENS,
  FAKE_PROMPT_TOKENS,
  LLAMA_FINGERPRINT,
  llamaId,
  llamaTimings,
  modelOf,
  type StreamPlan,
  type WireRequest,
} from './fake-wire.js'

/**
 * The OpenAI routes of the fake engines (chat, completions, embeddings, rerank) as vLLM and llama.cpp frame them
 * (docs/engines.md §2; llama.cpp: gateway/test/fixtures/llamacpp/llamacpp-chat*.txt).
 */

function wantsUsage(w: WireRequest): boolean {
  const so = w.json.stream_options
  if (typeof so !== 'object' || so === null) {
    return false
  }
  const include = (so as Record<string, unknown>).include_usage
  // vLLM's StreamOptions.include_usage defaults to True; llama.cpp's to false (docs/engines.md §2).
  return w.flavour === 'vllm' ? include === undefined || include === true : include === true
}

function usageOf(w: WireRequest) {
  return {
    prompt_tokens: FAKE_PROMPT_TOKENS,
    total_tokens: FAKE_PROMPT_TOKENS + w.tokens.length,
    completion_tokens: w.tokens.length,
  }
}

/** llama.cpp's usage: its own key order, and the cached part of the prompt. */
function llamaUsage(w: WireRequest) {
  return {
    completion_tokens: w.tokens.length,
    prompt_tokens: FAKE_PROMPT_TOKENS,
    total_tokens: FAKE_PROMPT_TOKENS + w.tokens.length,
    prompt_tokens_details: { cached_tokens: FAKE_CACHED_TOKENS },
  }
}

function vllmStream(w: WireRequest, isChat: boolean): StreamPlan {
  const rid = w.headers['x-request-id']
  const head = {
    id: `${isChat ? 'chatcmpl' : 'cmpl'}-${typeof rid === 'string' ? rid : randomUUID()}`,
    object: isChat ? 'chat.completion.chunk' : 'text_completion',
    created: CREATED,
    model: modelOf(w.json),
  }
  const finish = w.truncated ? 'length' : 'stop'
  const choice = (delta: Record<string, unknown>, text: string, last: boolean) =>
    isChat
      ? {
          index: 0,
          delta,
          logprobs: null,
          finish_reason: last ? finish : null,
          ...(last ? { stop_reason: null } : {}),
        }
      : { index: 0, text, logprobs: null, finish_reason: last ? finish : null, stop_reason: null }
  const frames: string[] = []
  if (isChat) {
    frames.push(
      dataFrame({ ...head, choices: [choice({ role: 'assistant', content: '' }, '', false)] }),
    )
  }
  w.tokens.forEach((t, i) => {
    const last = i === w.tokens.length - 1
    frames.push(dataFrame({ ...head, choices: [choice({ content: t }, t, last)] }))
  })
  if (wantsUsage(w)) {
    frames.push(dataFrame({ ...head, choices: [], usage: usageOf(w) }))
  }
  return {
    frames,
    end: 'data: [DONE]\n\n',
    errorFrame: (message) =>
      `${dataFrame({ error: { message, type: 'InternalServerError', param: null, code: 500 } }, true)}data: [DONE]\n\n`,
  }
}

function llamaStream(w: WireRequest, isChat: boolean): StreamPlan {
  const id = llamaId('chatcmpl-')
  const model = modelOf(w.json)
  // Key orders as llama.cpp writes them: chat chunks end with id…object, completion chunks with object, id.
  const wrap = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    isChat
      ? {
          choices,
          created: CREATED,
          id,
          model,
          system_fingerprint: LLAMA_FINGERPRINT,
          object: 'chat.completion.chunk',
          ...extra,
        }
      : {
          choices,
          created: CREATED,
          model,
          system_fingerprint: LLAMA_FINGERPRINT,
          object: 'text_completion',
          id,
          ...extra,
        }
  const choice = (delta: Record<string, unknown>, text: string, finish: string | null) =>
    isChat
      ? { finish_reason: finish, index: 0, delta }
      : { text, index: 0, logprobs: null, finish_reason: finish }
  const frames: string[] = []
  if (isChat) {
    frames.push(dataFrame(wrap([choice({ role: 'assistant', content: null }, '', null)])))
  }
  for (const t of w.tokens) {
    frames.push(dataFrame(wrap([choice({ content: t }, t, null)])))
  }
  const finish = w.truncated ? 'length' : 'stop'
  // The timings ride on the last frame: the usage frame when asked for, else the finish frame.
  if (wantsUsage(w)) {
    frames.push(dataFrame(wrap([choice({}, '', finish)])))
    frames.push(dataFrame(wrap([], { usage: llamaUsage(w), timings: llamaTimings(w) })))
  } else {
    frames.push(dataFrame(wrap([choice({}, '', finish)], { timings: llamaTimings(w) })))
  }
  return {
    frames,
    end: 'data: [DONE]\n\n',
    // llama.cpp ends a failed stream after its error frame, without [DONE].
    errorFrame: (message) => dataFrame({ error: { code: 500, message, type: 'server_error' } }),
  }
}

export function openAiStream(w: WireRequest, path: string): StreamPlan {
  const isChat = path === '/v1/chat/completions'
  return w.flavour === 'vllm' ? vllmStream(w, isChat) : llamaStream(w, isChat)
}

function chatAnswer(w: WireRequest): unknown {
  const text = w.tokens.join('')
  const finish = w.truncated ? 'length' : 'stop'
  const model = modelOf(w.json)
  if (w.flavour === 'llamacpp') {
    return {
      choices: [{ finish_reason: finish, index: 0, message: { role: 'assistant', content: text } }],
      created: CREATED,
      model,
      system_fingerprint: LLAMA_FINGERPRINT,
      object: 'chat.completion',
      usage: llamaUsage(w),
      id: llamaId('chatcmpl-'),
      timings: llamaTimings(w),
    }
  }
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: CREATED,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text,
          refusal: null,
          annotations: null,
          audio: null,
          function_call: null,
          tool_calls: [],
          reasoning_content: null,
        },
        logprobs: null,
        finish_reason: finish,
        stop_reason: null,
      },
    ],
    service_tier: null,
    system_fingerprint: null,
    usage: { ...usageOf(w), prompt_tokens_details: null },
    prompt_logprobs: null,
    kv_transfer_params: null,
  }
}

/** The non-streaming answer of an OpenAI route. */
export function openAiAnswer(w: WireRequest, path: string): unknown {
  const model = modelOf(w.json)
  switch (path) {
    case '/v1/chat/completions':
      return chatAnswer(w)
    case '/v1/completions':
      return {
        id: `cmpl-${randomUUID()}`,
        object: 'text_completion',
        created: CREATED,
        model,
        choices: [
          {
            index: 0,
            text: w.tokens.join(''),
            logprobs: null,
            finish_reason: w.truncated ? 'length' : 'stop',
            stop_reason: null,
          },
        ],
        usage: usageOf(w),
      }
    case '/v1/embeddings': {
      const inputs = Array.isArray(w.json.input) ? w.json.input : [w.json.input]
      return {
        id: `embd-${randomUUID()}`,
        object: 'list',
        created: CREATED,
        model,
        data: inputs.map((_, index) => ({
          index,
          object: 'embedding',
          embedding: [0.125, -0.5, 0.25, 1],
        })),
        usage: {
          prompt_tokens: FAKE_PROMPT_TOKENS,
          total_tokens: FAKE_PROMPT_TOKENS,
          completion_tokens: 0,
          prompt_tokens_details: null,
        },
      }
    }
    default: {
      const docs = Array.isArray(w.json.documents) ? w.json.documents : []
      return {
        id: `rerank-${randomUUID()}`,
        model,
        usage: { total_tokens: FAKE_PROMPT_TOKENS },
        results: docs.map((d, index) => ({
          index,
          document: { text: String(d) },
          relevance_score: 1 / (index + 1),
        })),
      }
    }
  }
}

import { randomUUID } from 'node:crypto'
import {
  CREATED,
  dataFrame,
  eventFrame,
  FAKE_CACHED_TOKENS,
  FAKE_PROMPT_TOKENS,
  llamaId,
  llamaTimings,
  modelOf,
  type StreamPlan,
  type WireRequest,
} from './fake-wire.js'

/**
 * OpenAI's Responses API (`/v1/responses`) as the engines serve it. llama.cpp:
 * gateway/test/fixtures/llamacpp/llamacpp-responses*.txt (bare events, no sequence numbers, its `timings` after
 * `response`). vLLM builds OpenAI's own event types, so its events carry `sequence_number` and the full response
 * object; it is modelled on OpenAI's schema, not on a capture.
 */

function outputText(text: string) {
  return { type: 'output_text', annotations: [], logprobs: [], text }
}

function usageOf(w: WireRequest) {
  return w.flavour === 'llamacpp'
    ? {
        input_tokens: FAKE_PROMPT_TOKENS,
        output_tokens: w.tokens.length,
        total_tokens: FAKE_PROMPT_TOKENS + w.tokens.length,
        input_tokens_details: { cached_tokens: FAKE_CACHED_TOKENS },
      }
    : {
        input_tokens: FAKE_PROMPT_TOKENS,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: w.tokens.length,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: FAKE_PROMPT_TOKENS + w.tokens.length,
      }
}

function llamaStream(w: WireRequest): StreamPlan {
  const id = llamaId('resp_')
  const itemId = llamaId('msg_')
  const text = w.tokens.join('')
  const item = {
    type: 'message',
    status: 'completed',
    id: itemId,
    content: [outputText(text)],
    role: 'assistant',
  }
  const started = (type: string) => ({
    type,
    response: { id, object: 'response', status: 'in_progress' },
  })
  const frames = [
    eventFrame('response.created', started('response.created')),
    eventFrame('response.in_progress', started('response.in_progress')),
    eventFrame('response.output_item.added', {
      type: 'response.output_item.added',
      item: { content: [], id: itemId, role: 'assistant', status: 'in_progress', type: 'message' },
    }),
    eventFrame('response.content_part.added', {
      type: 'response.content_part.added',
      item_id: itemId,
      part: { type: 'output_text', text: '' },
    }),
    ...w.tokens.map((delta) =>
      eventFrame('response.output_text.delta', {
        type: 'response.output_text.delta',
        item_id: itemId,
        delta,
      }),
    ),
    eventFrame('response.output_text.done', {
      type: 'response.output_text.done',
      item_id: itemId,
      text,
    }),
    eventFrame('response.content_part.done', {
      type: 'response.content_part.done',
      item_id: itemId,
      part: outputText(text),
    }),
    eventFrame('response.output_item.done', { type: 'response.output_item.done', item }),
    eventFrame('response.completed', {
      type: 'response.completed',
      response: {
        id,
        object: 'response',
        created_at: CREATED,
        status: 'completed',
        model: modelOf(w.json),
        output: [item],
        usage: usageOf(w),
      },
      timings: llamaTimings(w),
    }),
  ]
  return {
    frames,
    end: '',
    // llama.cpp's error frame on this route is its OpenAI one, without an event name; then it closes.
    errorFrame: (message) => dataFrame({ error: { code: 500, message, type: 'server_error' } }),
  }
}

function vllmResponse(w: WireRequest, id: string, status: string, output: unknown[]) {
  return {
    id,
    created_at: CREATED,
    model: modelOf(w.json),
    object: 'response',
    output,
    parallel_tool_calls: true,
    status,
    usage: status === 'completed' ? usageOf(w) : null,
  }
}

function vllmStream(w: WireRequest): StreamPlan {
  const id = `resp_${randomUUID().replaceAll('-', '')}`
  const itemId = `msg_${randomUUID().replaceAll('-', '')}`
  const text = w.tokens.join('')
  const item = {
    id: itemId,
    content: [outputText(text)],
    role: 'assistant',
    status: 'completed',
    type: 'message',
  }
  let seq = 0
  const event = (type: string, fields: Record<string, unknown>) =>
    eventFrame(type, { ...fields, sequence_number: seq++, type })
  const frames = [
    event('response.created', { response: vllmResponse(w, id, 'in_progress', []) }),
    event('response.in_progress', { response: vllmResponse(w, id, 'in_progress', []) }),
    event('response.output_item.added', {
      item: { ...item, content: [], status: 'in_progress' },
      output_index: 0,
    }),
    event('response.content_part.added', {
      content_index: 0,
      item_id: itemId,
      output_index: 0,
      part: outputText(''),
    }),
    ...w.tokens.map((delta) =>
      event('response.output_text.delta', {
        content_index: 0,
        delta,
        item_id: itemId,
        logprobs: [],
        output_index: 0,
      }),
    ),
    event('response.output_text.done', {
      content_index: 0,
      item_id: itemId,
      logprobs: [],
      output_index: 0,
      text,
    }),
    event('response.content_part.done', {
      content_index: 0,
      item_id: itemId,
      output_index: 0,
      part: outputText(text),
    }),
    event('response.output_item.done', { item, output_index: 0 }),
    event('response.completed', { response: vllmResponse(w, id, 'completed', [item]) }),
  ]
  return {
    frames,
    end: '',
    errorFrame: (message) => event('error', { code: 'server_error', message, param: null }),
  }
}

export function responsesStream(w: WireRequest): StreamPlan {
  return w.flavour === 'llamacpp' ? llamaStream(w) : vllmStream(w)
}

export function responsesAnswer(w: WireRequest): unknown {
  const text = w.tokens.join('')
  if (w.flavour === 'llamacpp') {
    return {
      completed_at: CREATED,
      created_at: CREATED,
      id: llamaId('resp_'),
      model: modelOf(w.json),
      object: 'response',
      output: [
        {
          content: [outputText(text)],
          id: llamaId('msg_'),
          role: 'assistant',
          status: 'completed',
          type: 'message',
        },
      ],
      status: 'completed',
      usage: usageOf(w),
    }
  }
  const itemId = `msg_${randomUUID().replaceAll('-', '')}`
  return vllmResponse(w, `resp_${randomUUID().replaceAll('-', '')}`, 'completed', [
    {
      id: itemId,
      content: [outputText(text)],
      role: 'assistant',
      status: 'completed',
      type: 'message',
    },
  ])
}

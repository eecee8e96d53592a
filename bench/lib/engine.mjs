// A fast fake vLLM engine for the benchmarks: every byte it can send is computed once at start, so the engine is
// never the bottleneck. It imitates vLLM's wire framing (docs/engines.md §2): compact JSON frames
// `data: {...}\n\n`, a role-only first frame, a final frame with finish_reason and stop_reason, a usage frame with
// `choices:[]`, then `data: [DONE]\n\n`; content-type `text/event-stream; charset=utf-8`, chunked.
//
// POST /v1/messages streams Anthropic's Messages events instead (docs/engines.md §9): message_start,
// content_block_start, one content_block_delta per token, content_block_stop, message_delta (usage), message_stop,
// and no [DONE].
//
// One process can listen on several ports, each with its own stream profile (chunk count, gap between chunks), so
// the gateways route to a profile by model name without the engine having to parse anything.
//
//   node bench/lib/engine.mjs --listen 9101:64:0 --listen 9102:64:20:stamp
//     port:chunks:gapMs[:stamp]  gapMs 0 = each frame on its own event-loop turn (separate writes);
//                                stamp = content frames carry the engine's send time (`@<epoch ms>`), for measuring
//                                how long each chunk spends inside a gateway.
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'

const CREATED = 1732690000
const ID = 'chatcmpl-bench0000000000000000000000000000'

function frame(obj) {
  return Buffer.from(`data: ${JSON.stringify(obj)}\n\n`)
}

function chunkObj(model, delta, finish) {
  const choice = { index: 0, delta, logprobs: null, finish_reason: finish }
  if (finish !== null) choice.stop_reason = null
  return { id: ID, object: 'chat.completion.chunk', created: CREATED, model, choices: [choice] }
}

/** Epoch milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function nowEpochMs() {
  return performance.timeOrigin + performance.now()
}

function buildProfile(model, chunks) {
  const first = frame(chunkObj(model, { role: 'assistant', content: '' }, null))
  const content = frame(chunkObj(model, { content: ' tok' }, null))
  const last = frame(chunkObj(model, { content: '.' }, 'stop'))
  const usage = frame({
    id: ID,
    object: 'chat.completion.chunk',
    created: CREATED,
    model,
    choices: [],
    usage: { prompt_tokens: 12, total_tokens: 12 + chunks, completion_tokens: chunks },
  })
  const done = Buffer.from('data: [DONE]\n\n')
  // chunks = number of frames that carry tokens (content frames + the final one)
  const frames = [first]
  for (let i = 0; i < chunks - 1; i++) frames.push(content)
  frames.push(last, usage, done)
  const json = Buffer.from(
    JSON.stringify({
      id: ID,
      object: 'chat.completion',
      created: CREATED,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello! How can I help you today?', tool_calls: [] },
          logprobs: null,
          finish_reason: 'stop',
          stop_reason: null,
        },
      ],
      usage: { prompt_tokens: 12, total_tokens: 21, completion_tokens: 9 },
    }),
  )
  return { frames, json, all: Buffer.concat(frames) }
}

function event(name, obj) {
  return Buffer.from(`event: ${name}\ndata: ${JSON.stringify(obj)}\n\n`)
}

function textDelta(text) {
  return event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })
}

/** The Messages stream with as many token events as the chat profile has token frames. */
function buildMessagesProfile(model, chunks) {
  const frames = [
    event('message_start', {
      type: 'message_start',
      message: {
        id: 'msg_bench',
        type: 'message',
        role: 'assistant',
        content: [],
        model,
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 12, output_tokens: 0 },
      },
    }),
    event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
  ]
  for (let i = 0; i < chunks; i++) frames.push(textDelta(' tok'))
  frames.push(
    event('content_block_stop', { type: 'content_block_stop', index: 0 }),
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: chunks },
    }),
    event('message_stop', { type: 'message_stop' }),
  )
  // frames that carry tokens: [2, frames.length - 3)
  return { frames, firstToken: 2, tail: 3 }
}

function stampedFrame(model, messages) {
  const stamp = `@${nowEpochMs().toFixed(3)}`
  return messages ? textDelta(stamp) : frame(chunkObj(model, { content: stamp }, null))
}

const STREAM_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8' }
const STREAM_RE = /"stream"\s*:\s*true/
const MODELS = Buffer.from(
  JSON.stringify({
    object: 'list',
    data: [{ id: 'bench', object: 'model', created: CREATED, owned_by: 'vllm', max_model_len: 8192 }],
  }),
)

export function startEngine({ port, chunks, gapMs, stamp, host = '127.0.0.1' }) {
  const profile = buildProfile('bench', chunks)
  const messages = buildMessagesProfile('bench', chunks)
  const jsonHeaders = { 'content-type': 'application/json', 'content-length': String(profile.json.length) }
  const modelsHeaders = { 'content-type': 'application/json', 'content-length': String(MODELS.length) }

  function stream(res, isMessages) {
    res.writeHead(200, STREAM_HEADERS)
    // chat: frames 1 .. length-4 are content (then last, usage, [DONE]); messages: see buildMessagesProfile
    const { frames } = isMessages ? messages : profile
    const firstContent = isMessages ? messages.firstToken : 1
    const tail = isMessages ? messages.tail : 3
    let i = 0
    let timer = null
    res.on('close', () => {
      if (timer) clearTimeout(timer)
      i = frames.length
    })
    const next = () => {
      timer = null
      if (i >= frames.length) return
      const isContent = i >= firstContent && i < frames.length - tail
      res.write(stamp && isContent ? stampedFrame('bench', isMessages) : frames[i])
      i++
      if (i === frames.length) res.end()
      else if (gapMs > 0) timer = setTimeout(next, gapMs)
      else setImmediate(next)
    }
    // like vLLM: headers first, the first frame after "prefill"
    if (gapMs > 0) timer = setTimeout(next, gapMs)
    else setImmediate(next)
  }

  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    if (req.method === 'GET') {
      if (req.url === '/v1/models') res.writeHead(200, modelsHeaders).end(MODELS)
      else res.writeHead(200, { 'content-length': '0' }).end() // /health, /ping
      return
    }
    const parts = []
    req.on('data', (d) => parts.push(d))
    req.on('end', () => {
      const body = parts.length === 1 ? parts[0] : Buffer.concat(parts)
      if (STREAM_RE.test(body.latin1Slice(0, body.length))) stream(res, req.url === '/v1/messages')
      else res.writeHead(200, jsonHeaders).end(profile.json)
    })
  })
  server.maxHeadersCount = 0
  server.headersTimeout = 0
  server.requestTimeout = 0
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)))
}

export function parseListen(spec) {
  const [port, chunks = '64', gap = '0', flag = ''] = spec.split(':')
  return { port: Number(port), chunks: Number(chunks), gapMs: Number(gap), stamp: flag === 'stamp' }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { listen: { type: 'string', multiple: true } } })
  const specs = (values.listen ?? ['9101:64:0']).map(parseListen)
  await Promise.all(specs.map(startEngine))
  process.stdout.write(`engine ready ${specs.map((s) => s.port).join(',')}\n`)
  process.on('SIGTERM', () => process.exit(0))
}

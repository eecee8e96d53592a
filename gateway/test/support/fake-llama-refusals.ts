import { CREATED, llamaError } from './fake-wire.js'

/**
 * What llama.cpp answers before it generates anything: its refusals of bad requests and its model list
 * (gateway/test/fixtures/llamacpp/llamacpp-error-*.txt, llamacpp-models.txt).
 */

/** llama.cpp's refusal of a request it cannot serve, or undefined to go on. */
export function llamaRefusal(
  path: string,
  json: unknown,
  embeddings: boolean,
): { status: number; body: string } | undefined {
  const body = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>
  if (path === '/v1/embeddings' && !embeddings) {
    return {
      status: 501,
      body: llamaError(
        501,
        'This server does not support embeddings. Start it with `--embeddings`',
        'not_supported_error',
      ),
    }
  }
  if (path === '/v1/chat/completions' && body.messages === undefined) {
    return { status: 400, body: llamaError(400, "'messages' is required", 'invalid_request_error') }
  }
  if (path === '/v1/messages' && !Array.isArray(body.messages)) {
    // llama.cpp reports this client mistake as a 500 about its own output parser.
    return {
      status: 500,
      body: llamaError(
        500,
        'The model produced output that does not match the expected peg-native format',
        'server_error',
      ),
    }
  }
  return undefined
}

/** nlohmann::json's message for a body that ends early (llama.cpp answers it with a 500). */
export function llamaParseError(text: string): string {
  return `[json.exception.parse_error.101] parse error at line 1, column ${text.length + 1}: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal`
}

/** GET /v1/models in single-model mode: the Ollama-style `models` list and OpenAI's `data`. */
export function llamaModels(): string {
  return JSON.stringify({
    models: [
      {
        name: 'fake-model',
        model: 'fake-model',
        modified_at: '',
        size: '',
        digest: '',
        type: 'model',
        description: '',
        tags: [''],
        capabilities: ['completion'],
        parameters: '',
        details: {
          parent_model: '',
          format: 'gguf',
          family: '',
          families: [''],
          parameter_size: '',
          quantization_level: '',
        },
      },
    ],
    object: 'list',
    data: [
      {
        id: 'fake-model',
        aliases: ['fake-model'],
        tags: [],
        object: 'model',
        created: CREATED,
        owned_by: 'llamacpp',
        meta: {
          vocab_type: 1,
          n_vocab: 32000,
          n_ctx: 32768,
          n_ctx_train: 65536,
          n_embd: 64,
          n_params: 4178240,
          size: 16712960,
          ftype: 'all F32',
        },
      },
    ],
  })
}

import { STATUS_CODES } from 'node:http'
import { z } from 'zod'
import { type Access, OPERATIONS, type Operation } from './operations.js'
import { ErrorEnvelope } from './response-schemas.js'

type JsonObject = Record<string, unknown>

const SECURITY: Record<Access, JsonObject[]> = {
  public: [],
  inference: [{ bearerKey: [] }, { sessionCookie: [] }],
  management: [{ bearerKey: [] }, { sessionCookie: [] }],
  admin: [{ bearerKey: [] }, { sessionCookie: [] }],
  session: [{ sessionCookie: [] }],
}

const ACCESS_NOTE: Record<Access, string> = {
  public: 'No credential needed.',
  inference: 'A key with Model Access (inference), or a UI session.',
  management:
    'A key with Platform Management (management), or a UI session; acts with the owner’s rights.',
  admin: 'An administrator: their key with Platform Management, or their UI session.',
  session: 'A UI session.',
}

/** Named schemas (those with a zod `id`), collected into components while the document is built. */
type Components = Record<string, unknown>

/** Points `#/$defs/X` references at the document's components instead. */
function toComponentRefs(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(toComponentRefs)
  }
  if (typeof value !== 'object' || value === null) {
    return value
  }
  const out: JsonObject = {}
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      key === '$ref' && typeof v === 'string'
        ? v.replace('#/$defs/', '#/components/schemas/')
        : toComponentRefs(v)
  }
  return out
}

/**
 * A zod schema as JSON Schema: requests as a client sends them (before defaults and transforms), responses as the
 * gateway sends them. Named schemas move into `components`.
 */
function schemaOf(schema: z.ZodType, io: 'input' | 'output', components: Components): JsonObject {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject
  delete json.$schema
  const defs = json.$defs
  delete json.$defs
  if (typeof defs === 'object' && defs !== null) {
    for (const [name, def] of Object.entries(defs)) {
      components[name] = toComponentRefs(def)
    }
  }
  return toComponentRefs(json) as JsonObject
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Error'
}

function parametersOf(op: Operation, components: Components): JsonObject[] {
  const params: JsonObject[] = []
  for (const name of op.path.match(/\{(\w+)\}/g) ?? []) {
    const param = name.slice(1, -1)
    params.push({
      name: param,
      in: 'path',
      required: true,
      schema: param === 'id' ? { type: 'integer', minimum: 1 } : { type: 'string' },
    })
  }
  if (op.query !== undefined) {
    for (const [name, field] of Object.entries(op.query.shape)) {
      const optional = field.safeParse(undefined).success
      params.push({
        name,
        in: 'query',
        required: !optional,
        schema: schemaOf(field, 'input', components),
      })
    }
  }
  return params
}

function responsesOf(op: Operation, components: Components): JsonObject {
  const ok: JsonObject = { description: 'OK' }
  if (op.ok.json !== undefined) {
    const content: JsonObject = {
      'application/json': { schema: schemaOf(op.ok.json, 'output', components) },
    }
    if (op.ok.csv !== undefined) {
      content['text/csv'] = { schema: { type: 'string', description: op.ok.csv } }
    }
    ok.content = content
  } else if (op.ok.contentType !== undefined) {
    ok.description = `OK (${op.ok.contentType})`
  }
  const responses: JsonObject = { [String(op.ok.status)]: ok }
  const errors = new Set(op.errors ?? [])
  if (op.access !== 'public') {
    errors.add(401)
    errors.add(403)
  }
  for (const status of [...errors].sort((a, b) => a - b)) {
    responses[String(status)] = {
      description: statusText(status),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    }
  }
  return responses
}

function operationOf(op: Operation, components: Components): JsonObject {
  const operation: JsonObject = {
    tags: [op.tag],
    summary: op.summary,
    description: ACCESS_NOTE[op.access],
    operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)/g, (_, c: string) => c.toUpperCase())}`,
    security: SECURITY[op.access],
    parameters: parametersOf(op, components),
    responses: responsesOf(op, components),
  }
  if (op.body !== undefined) {
    operation.requestBody = {
      required: true,
      content: { 'application/json': { schema: schemaOf(op.body, 'input', components) } },
    }
  }
  return operation
}

/**
 * The OpenAPI 3.1 description of the gateway, generated from the zod schemas that validate its requests and the
 * response schemas checked against the route's types (response-schemas.ts). Built once at start-up.
 */
export function buildOpenApiDocument(version: string): JsonObject {
  const components: Components = {}
  schemaOf(ErrorEnvelope, 'output', components)
  const paths: Record<string, JsonObject> = {}
  for (const op of OPERATIONS) {
    paths[op.path] ??= {}
    const entry = paths[op.path] as JsonObject
    entry[op.method] = operationOf(op, components)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Keygate',
      version,
      description:
        'Authenticating gateway for self-hosted LLM inference. Every error is OpenAI’s envelope {"error":{"message","type","param","code"}}; every response carries x-request-id.',
    },
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key: kg_<16 hex>_<32 hex>, or a custom value',
        },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'keygate_session' },
      },
    },
  }
}

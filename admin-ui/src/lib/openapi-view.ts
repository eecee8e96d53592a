/** Turns the gateway's OpenAPI document into the rows the API reference page shows. Pure, so it is unit-tested. */

type Json = Record<string, unknown>

export interface FieldRow {
  name: string
  type: string
  required: boolean
  notes: string
}

export interface OperationView {
  method: string
  path: string
  summary: string
  access: string
  parameters: FieldRow[]
  body: FieldRow[]
  responses: { status: string; description: string; schema: string }[]
}

export interface TagView {
  tag: string
  operations: OperationView[]
}

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {}
}

function refName(schema: Json): string | null {
  const ref = schema.$ref
  return typeof ref === 'string' ? ref.replace('#/components/schemas/', '') : null
}

function resolve(schema: Json, components: Json): Json {
  const name = refName(schema)
  return name === null ? schema : asObject(components[name])
}

/** A short type label: `string`, `integer | null`, `array of string`, `ApiKey`, `"*" | array of …`. */
export function typeLabel(schema: Json): string {
  const name = refName(schema)
  if (name !== null) {
    return name
  }
  const variants = schema.anyOf ?? schema.oneOf
  if (Array.isArray(variants)) {
    return variants.map((v) => typeLabel(asObject(v))).join(' | ')
  }
  if (schema.const !== undefined) {
    return JSON.stringify(schema.const)
  }
  if (Array.isArray(schema.enum)) {
    return schema.enum.map((v) => JSON.stringify(v)).join(' | ')
  }
  const type = schema.type
  if (type === 'array') {
    return `array of ${typeLabel(asObject(schema.items))}`
  }
  if (Array.isArray(type)) {
    return type.join(' | ')
  }
  return typeof type === 'string' ? type : 'any'
}

function notesOf(schema: Json): string {
  const notes: string[] = []
  const add = (label: string, key: string) => {
    if (schema[key] !== undefined) {
      notes.push(`${label} ${JSON.stringify(schema[key])}`)
    }
  }
  if (typeof schema.description === 'string') {
    notes.push(schema.description)
  }
  add('default', 'default')
  add('min length', 'minLength')
  add('max length', 'maxLength')
  add('at most', 'maxItems')
  add('pattern', 'pattern')
  return notes.join('; ')
}

/** The fields of an object schema (one level), or nothing for a non-object. */
export function fieldsOf(schema: Json, components: Json): FieldRow[] {
  const object = resolve(schema, components)
  const required = new Set(Array.isArray(object.required) ? object.required : [])
  return Object.entries(asObject(object.properties)).map(([name, value]) => {
    const field = asObject(value)
    return { name, type: typeLabel(field), required: required.has(name), notes: notesOf(field) }
  })
}

function jsonSchemaOf(content: unknown): Json | null {
  const json = asObject(asObject(content)['application/json'])
  return json.schema === undefined ? null : asObject(json.schema)
}

export function toTagViews(doc: unknown): TagView[] {
  const root = asObject(doc)
  const components = asObject(asObject(root.components).schemas)
  const byTag = new Map<string, OperationView[]>()
  for (const [path, ops] of Object.entries(asObject(root.paths))) {
    for (const [method, value] of Object.entries(asObject(ops))) {
      const op = asObject(value)
      const tag = Array.isArray(op.tags) && typeof op.tags[0] === 'string' ? op.tags[0] : 'Other'
      const parameters = (Array.isArray(op.parameters) ? op.parameters : []).map((p) => {
        const param = asObject(p)
        const schema = asObject(param.schema)
        return {
          name: `${String(param.name)} (${String(param.in)})`,
          type: typeLabel(schema),
          required: param.required === true,
          notes: notesOf(schema),
        }
      })
      const bodySchema = jsonSchemaOf(asObject(op.requestBody).content)
      const responses = Object.entries(asObject(op.responses)).map(([status, r]) => {
        const response = asObject(r)
        const schema = jsonSchemaOf(response.content)
        return {
          status,
          description: String(response.description ?? ''),
          schema: schema === null ? '' : typeLabel(schema),
        }
      })
      const list = byTag.get(tag) ?? []
      list.push({
        method: method.toUpperCase(),
        path,
        summary: String(op.summary ?? ''),
        access: String(op.description ?? ''),
        parameters,
        body: bodySchema === null ? [] : fieldsOf(bodySchema, components),
        responses,
      })
      byTag.set(tag, list)
    }
  }
  return [...byTag].map(([tag, operations]) => ({ tag, operations }))
}

import { describe, expect, it } from 'vitest'
import { fieldsOf, toTagViews, typeLabel } from './openapi-view.js'

const doc = {
  paths: {
    '/v2/things': {
      post: {
        tags: ['Things'],
        summary: 'Make a thing',
        description: 'An administrator.',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        requestBody: {
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
        },
        responses: {
          '201': {
            description: 'Created',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
          '204': { description: 'No Content' },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        properties: {
          name: { type: 'string', maxLength: 8, description: 'What it is called' },
          tags: { type: 'array', items: { type: 'string' } },
          kind: { anyOf: [{ const: '*' }, { type: ['string', 'null'] }] },
        },
        required: ['name'],
      },
    },
  },
}

describe('openapi-view', () => {
  it('labels types, references, unions and arrays', () => {
    expect(typeLabel({ $ref: '#/components/schemas/Thing' })).toBe('Thing')
    expect(typeLabel({ type: 'array', items: { type: 'integer' } })).toBe('array of integer')
    expect(typeLabel({ anyOf: [{ const: '*' }, { type: 'null' }] })).toBe('"*" | null')
    expect(typeLabel({ enum: ['a', 'b'] })).toBe('"a" | "b"')
    expect(typeLabel({})).toBe('any')
  })

  it("lists an object's fields through its reference, with required flags and notes", () => {
    expect(fieldsOf({ $ref: '#/components/schemas/Thing' }, doc.components.schemas)).toEqual([
      { name: 'name', type: 'string', required: true, notes: 'What it is called; max length 8' },
      { name: 'tags', type: 'array of string', required: false, notes: '' },
      { name: 'kind', type: '"*" | string | null', required: false, notes: '' },
    ])
  })

  it('groups operations by tag with parameters, body fields and responses', () => {
    const [tag] = toTagViews(doc)
    expect(tag?.tag).toBe('Things')
    const op = tag?.operations[0]
    expect(op?.method).toBe('POST')
    expect(op?.parameters).toEqual([
      { name: 'id (path)', type: 'integer', required: true, notes: '' },
    ])
    expect(op?.body.map((f) => f.name)).toEqual(['name', 'tags', 'kind'])
    expect(op?.responses).toEqual([
      { status: '201', description: 'Created', schema: 'Thing' },
      { status: '204', description: 'No Content', schema: '' },
    ])
  })

  it('survives a document that is not one', () => {
    expect(toTagViews(null)).toEqual([])
    expect(toTagViews({ paths: { '/x': { get: 'nonsense' } } })[0]?.operations[0]?.path).toBe('/x')
  })
})

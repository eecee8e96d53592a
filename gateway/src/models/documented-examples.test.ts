import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { findPackageRoot } from '../package-root.js'
import { CreateModelBody, UpdateModelBody } from './model-input.js'
import { parseModelsFile } from './models-file.js'

/** The documents whose model examples a reader copies; each example is the code block after `<!-- example: kind -->`. */
const DOCUMENTS = ['README.md', 'docs/models.md']

type Kind = 'create-model' | 'update-model' | 'models-file'

function examples(document: string): { kind: string; code: string }[] {
  const root = findPackageRoot()
  if (root === null) {
    throw new Error('package root not found')
  }
  const text = readFileSync(join(root, document), 'utf8')
  const found: { kind: string; code: string }[] = []
  for (const m of text.matchAll(/<!-- example: ([a-z-]+) -->\n```[a-z]*\n([\s\S]*?)\n```/g)) {
    found.push({ kind: m[1] ?? '', code: m[2] ?? '' })
  }
  return found
}

const all = DOCUMENTS.flatMap((document) =>
  examples(document).map((e) => ({ ...e, document, label: `${document}: ${e.kind}` })),
)

describe('documented model examples', () => {
  it('are found: every kind appears, in README.md and docs/models.md', () => {
    const kinds = (document: string) =>
      new Set(all.filter((e) => e.document === document).map((e) => e.kind))
    expect([...kinds('docs/models.md')].sort()).toEqual([
      'create-model',
      'models-file',
      'update-model',
    ])
    expect([...kinds('README.md')].sort()).toEqual(['create-model', 'models-file'])
  })

  it.each(all)('$label parses with the schema the gateway uses', ({ kind, code }) => {
    const known: Record<Kind, () => { ok: boolean; problems: string }> = {
      'create-model': () => {
        const r = CreateModelBody.safeParse(JSON.parse(code))
        return { ok: r.success, problems: r.error?.message ?? '' }
      },
      'update-model': () => {
        const r = UpdateModelBody.safeParse(JSON.parse(code))
        return { ok: r.success, problems: r.error?.message ?? '' }
      },
      'models-file': () => {
        // A YAML example must also be plain YAML (no templating left in it) before the gateway's own parser reads it.
        expect(parseYaml(code)).toHaveProperty('models')
        const r = parseModelsFile(code)
        return { ok: r.ok, problems: r.ok ? '' : r.problems.join('; ') }
      },
    }
    expect(Object.keys(known)).toContain(kind)
    const outcome = known[kind as Kind]()
    expect(outcome).toEqual({ ok: true, problems: '' })
  })
})

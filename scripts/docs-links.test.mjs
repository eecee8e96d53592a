import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

// The README and docs/ must stand alone: every file they point at exists in the repository, and none of them
// refers to documents that live outside it.
const ROOT = resolve(import.meta.dirname, '..')
const DOCUMENTS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]

/** Repository paths a document names: markdown links, and backticked paths of files with an extension. */
function referencedPaths(document) {
  const text = readFileSync(join(ROOT, document), 'utf8')
  const out = new Set()
  for (const m of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
    const target = m[1]
    if (!/^[a-z]+:/.test(target)) out.add(join(dirname(document), target))
  }
  for (const m of text.matchAll(/`((?:docs|bench|helm|deploy|scripts|gateway|admin-ui|\.ci)\/[A-Za-z0-9._/-]+\.[a-z]+)`/g)) {
    out.add(m[1])
  }
  return [...out]
}

describe('documentation', () => {
  it.each(DOCUMENTS)('%s names only files that exist', (document) => {
    const missing = referencedPaths(document).filter((path) => !existsSync(join(ROOT, path)))
    expect(missing).toEqual([])
  })

  it('finds the links it checks (the README links every page of docs/)', () => {
    const linked = referencedPaths('README.md')
    for (const document of DOCUMENTS.filter((d) => d.startsWith('docs/'))) {
      expect(linked).toContain(document)
    }
  })

  it.each(DOCUMENTS)('%s cites no document outside the repository', (document) => {
    const text = readFileSync(join(ROOT, document), 'utf8')
    expect(text).not.toMatch(/DESIGN(\.md| §)|STYLE(\.md| §)|ENGINES\.md|\.\.\/shared/)
  })
})

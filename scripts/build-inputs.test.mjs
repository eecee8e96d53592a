import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildState, fingerprintInputs, forgetBuild, recordBuild } from './build-inputs.mjs'

const roots = []
afterEach(() => {
  for (const root of roots.splice(0)) {
    rmSync(root, { recursive: true, force: true })
  }
})

function write(root, path, text) {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), text)
}

/** A checkout as a fresh clone has it: sources, no outputs. */
function checkout() {
  const root = mkdtempSync(join(tmpdir(), 'keygate-build-'))
  roots.push(root)
  write(root, 'gateway/src/main.ts', 'export const a = 1\n')
  write(root, 'gateway/src/db/migrations/0001_initial.ts', 'export async function up() {}\n')
  write(root, 'admin-ui/src/app.tsx', 'export const App = () => null\n')
  write(root, 'admin-ui/index.html', '<!doctype html>\n')
  write(root, 'package-lock.json', '{}\n')
  return root
}

/** What a successful scripts/build.mjs leaves behind. */
function build(root) {
  const fingerprint = fingerprintInputs(root)
  forgetBuild(root)
  write(root, 'dist/gateway/src/cli.js', '')
  write(root, 'admin-ui/dist/index.html', '')
  recordBuild(root, fingerprint)
}

const state = (root) => buildState(root, fingerprintInputs(root))

describe('build inputs', () => {
  it('builds a fresh clone, then not again while nothing changed', () => {
    const root = checkout()
    expect(state(root)).toBe('not built yet')
    build(root)
    expect(state(root)).toBe('current')
  })

  it('rebuilds after a pull changes, adds or deletes a source or the lockfile', () => {
    const changes = [
      (root) => write(root, 'gateway/src/main.ts', 'export const a = 2\n'),
      (root) => write(root, 'gateway/src/db/migrations/0002_next.ts', 'export async function up() {}\n'),
      (root) => rmSync(join(root, 'admin-ui/src/app.tsx')),
      (root) => write(root, 'package-lock.json', '{"lockfileVersion":3}\n'),
      (root) => write(root, 'tsconfig.build.json', '{}\n'),
    ]
    for (const change of changes) {
      const root = checkout()
      build(root)
      change(root)
      expect(state(root)).toBe('sources changed')
    }
  })

  it('ignores what is not an input of the build', () => {
    const root = checkout()
    build(root)
    write(root, 'README.md', 'docs\n')
    write(root, 'gateway/test/integration/x.int.test.ts', 'test\n')
    expect(state(root)).toBe('current')
  })

  it('rebuilds when an output is gone or a build stopped half-way', () => {
    const root = checkout()
    build(root)
    rmSync(join(root, 'admin-ui/dist'), { recursive: true })
    expect(state(root)).toBe('not built yet')
    build(root)
    forgetBuild(root) // as scripts/build.mjs does before compiling
    expect(state(root)).toBe('no record of what the last build was made from')
  })
})

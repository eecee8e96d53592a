#!/usr/bin/env node
// Applies patches/<package>@<version>.patch to node_modules/<package>. Runs as the package's postinstall (every
// `npm install` / `npm ci`), and explicitly in the Dockerfile's production stage, which installs with
// --ignore-scripts. Strict on purpose: the installed version must be the one the file names, and every hunk must
// match its lines exactly where the diff says; anything else exits 1, so a version bump or a changed file cannot
// leave a dependency silently unpatched. Running it again is a no-op (a file already patched is left alone).
// A patch file is a unified diff with a/ and b/ paths relative to the package's directory (`git diff --no-index`);
// text before the first `---` line is a free-form description.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const patchDir = join(root, 'patches')

/** @returns {{ path: string, hunks: { oldStart: number, newStart: number, before: string[], after: string[] }[] }[]} */
function parsePatch(text, name) {
  const files = []
  let hunk
  let left = { old: 0, new: 0 }
  for (const line of text.split('\n')) {
    if (hunk !== undefined && (left.old > 0 || left.new > 0)) {
      const body = line.slice(1)
      if (line.startsWith('-')) {
        hunk.before.push(body)
        left.old -= 1
      } else if (line.startsWith('+')) {
        hunk.after.push(body)
        left.new -= 1
      } else if (line.startsWith('\\')) {
        // "\ No newline at end of file": nothing to compare
      } else {
        hunk.before.push(body)
        hunk.after.push(body)
        left = { old: left.old - 1, new: left.new - 1 }
      }
    } else if (line.startsWith('+++ ')) {
      files.push({ path: line.slice(4).trim().replace(/^b\//, ''), hunks: [] })
    } else if (line.startsWith('@@')) {
      const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line)
      const file = files.at(-1)
      if (m === null || file === undefined) {
        throw new Error(`${name}: malformed hunk header: ${line}`)
      }
      hunk = { oldStart: Number(m[1]), newStart: Number(m[3]), before: [], after: [] }
      left = { old: Number(m[2] ?? 1), new: Number(m[4] ?? 1) }
      file.hunks.push(hunk)
    }
  }
  return files
}

/** Whether `expected` sits in `lines` starting at 1-based line `start`. */
function matchesAt(lines, start, expected) {
  return expected.every((text, i) => lines[start - 1 + i] === text)
}

/** The patched text of one file, or undefined when it is patched already; throws when it matches neither. */
function patchedText(packageDir, file, name) {
  const lines = readFileSync(join(packageDir, file.path), 'utf8').split('\n')
  if (file.hunks.every((h) => matchesAt(lines, h.newStart, h.after))) {
    return undefined
  }
  const out = []
  let next = 1
  for (const h of file.hunks) {
    if (!matchesAt(lines, h.oldStart, h.before)) {
      throw new Error(`${name}: ${file.path} does not match the patch at line ${h.oldStart}`)
    }
    out.push(...lines.slice(next - 1, h.oldStart - 1), ...h.after)
    next = h.oldStart + h.before.length
  }
  out.push(...lines.slice(next - 1))
  return out.join('\n')
}

let failed = false
for (const name of readdirSync(patchDir).filter((f) => f.endsWith('.patch')).sort()) {
  const m = /^(.+)@([^@]+)\.patch$/.exec(name)
  try {
    if (m === null) {
      throw new Error(`${name}: name it <package>@<version>.patch`)
    }
    const [, pkg, version] = m
    const packageDir = join(root, 'node_modules', ...pkg.split('+'))
    let installed
    try {
      installed = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version
    } catch {
      throw new Error(`${name}: ${pkg} is not installed`)
    }
    if (installed !== version) {
      throw new Error(`${name}: ${pkg} ${installed} is installed; port the patch to it (or drop it)`)
    }
    // Every file is checked before any is written, so a patch never lands half-applied.
    const files = parsePatch(readFileSync(join(patchDir, name), 'utf8'), name)
    const texts = files.map((file) => patchedText(packageDir, file, name))
    files.forEach((file, i) => {
      const text = texts[i]
      if (text !== undefined) {
        writeFileSync(join(packageDir, file.path), text)
      }
    })
    const state = texts.every((t) => t === undefined) ? 'already applied' : 'applied'
    console.log(`patch-dependencies: ${name} ${state}`)
  } catch (err) {
    failed = true
    console.error(`patch-dependencies: ${err instanceof Error ? err.message : err}`)
  }
}
process.exit(failed ? 1 : 0)

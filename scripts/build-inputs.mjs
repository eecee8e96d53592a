// What `npm run build` is made from, and whether the outputs in a checkout still match it (scripts/build.mjs).
// The fingerprint hashes file contents, not times, so a fresh clone, a `git pull`, a checkout of an older commit,
// a deleted file or a new lockfile all count as changed.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'

const INPUTS = [
  'gateway/src',
  'admin-ui/src',
  'admin-ui/index.html',
  'admin-ui/vite.config.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'package-lock.json',
]
const OUTPUTS = ['dist/gateway/src/cli.js', 'admin-ui/dist/index.html']
const STAMP = 'dist/.build-inputs'

function filesUnder(path) {
  if (!existsSync(path)) {
    return []
  }
  if (!statSync(path).isDirectory()) {
    return [path]
  }
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => filesUnder(join(path, entry.name)))
}

/** SHA-256 over the path and contents of every input file under `root`. */
export function fingerprintInputs(root) {
  const hash = createHash('sha256')
  for (const file of INPUTS.flatMap((input) => filesUnder(join(root, input)))) {
    hash.update(`${relative(root, file)}\0`).update(readFileSync(file)).update('\0')
  }
  return hash.digest('hex')
}

/** 'current', or why a build is needed. */
export function buildState(root, fingerprint) {
  if (!OUTPUTS.every((output) => existsSync(join(root, output)))) {
    return 'not built yet'
  }
  const stamp = join(root, STAMP)
  if (!existsSync(stamp)) {
    return 'no record of what the last build was made from'
  }
  return readFileSync(stamp, 'utf8').trim() === fingerprint ? 'current' : 'sources changed'
}

/** Forgets the last build, so one that fails half-way never passes for current. */
export function forgetBuild(root) {
  rmSync(join(root, STAMP), { force: true })
}

export function recordBuild(root, fingerprint) {
  writeFileSync(join(root, STAMP), `${fingerprint}\n`)
}

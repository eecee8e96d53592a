import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The package root (where package.json and schema.sql sit), whether this runs from gateway/src under tsx or from
 * dist/ after a build; null when neither is above this file.
 */
export function findPackageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'schema.sql')) && existsSync(join(dir, 'package.json'))) {
      return dir
    }
    const parent = dirname(dir)
    if (parent === dir) {
      return null
    }
    dir = parent
  }
}

/** The version in package.json, or '0.0.0' when it cannot be read. */
export function packageVersion(): string {
  const root = findPackageRoot()
  if (root === null) {
    return '0.0.0'
  }
  const parsed: unknown = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const version =
    typeof parsed === 'object' && parsed !== null ? (parsed as { version?: unknown }).version : null
  return typeof version === 'string' ? version : '0.0.0'
}

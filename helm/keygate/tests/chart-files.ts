import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'

/** Reads the chart's files for the tests; Helm itself is not available on these machines. */
export const CHART_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')

export type Values = Record<string, unknown>

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function readYamlObject(path: string): Values {
  const data: unknown = parseYaml(readFileSync(path, 'utf8'))
  if (!isPlainObject(data)) {
    throw new Error(`${path} is not a YAML mapping`)
  }
  return data
}

export function readDefaultValues(): Values {
  return readYamlObject(join(CHART_DIR, 'values.yaml'))
}

export function readSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as Record<
    string,
    unknown
  >
}

/** ci/*.yaml: the example values files (Helm's chart-testing convention). */
export function exampleFiles(): string[] {
  return readdirSync(join(CHART_DIR, 'ci'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
}

export function readExample(file: string): Values {
  return readYamlObject(join(CHART_DIR, 'ci', file))
}

/** Template files with their text, _helpers.tpl included. */
export function readTemplates(): { file: string; text: string }[] {
  const dir = join(CHART_DIR, 'templates')
  return readdirSync(dir)
    .sort()
    .map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }))
}

/**
 * Merges user values over the chart's defaults the way Helm coalesces them: maps merge key by key, any other value
 * (lists included) replaces the default, and null removes the key.
 */
export function mergeValues(defaults: Values, overrides: Values): Values {
  const merged: Values = { ...defaults }
  for (const [key, value] of Object.entries(overrides)) {
    const base = merged[key]
    if (value === null) {
      delete merged[key]
    } else if (isPlainObject(base) && isPlainObject(value)) {
      merged[key] = mergeValues(base, value)
    } else {
      merged[key] = value
    }
  }
  return merged
}

/** Default values and every example merged over them, as `helm install -f ci/<file>` would see them. */
export function valueSets(): { name: string; values: Values }[] {
  const defaults = readDefaultValues()
  return [
    { name: 'values.yaml', values: defaults },
    ...exampleFiles().map((file) => ({
      name: `ci/${file}`,
      values: mergeValues(defaults, readExample(file)),
    })),
  ]
}

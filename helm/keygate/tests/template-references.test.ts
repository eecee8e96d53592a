import { describe, expect, it } from 'vitest'
import { isPlainObject, readDefaultValues, readTemplates, type Values } from './chart-files.js'

/**
 * Static checks of the templates, standing in for `helm lint` where Helm is not installed. Limits: paths reached
 * through `index`/`get` or through variables holding a sub-map ($e, $cache) are not followed, and a `.Values` path
 * is only checked to exist in values.yaml, not to have the type the template expects (values.schema.json does that).
 */

/** Every `{{ … }}` action of a template, in order. */
function actionsOf(text: string): string[] {
  return [...text.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)].map((m) => (m[1] ?? '').trim())
}

const VALUES_PATH = /(^|[^\w$.])?((?:\$\w*|\.root|\$root)?)\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g

interface ValuesReference {
  file: string
  path: string
  /** No `$`, `$root` or `.root` in front: it is relative to the current `.`. */
  isBare: boolean
  /** Inside a range or with block, where `.` is no longer the chart's root. */
  isInsideRangeOrWith: boolean
}

function valuesReferences(file: string, text: string): ValuesReference[] {
  const references: ValuesReference[] = []
  const blocks: string[] = []
  for (const action of actionsOf(text)) {
    if (action.startsWith('/*')) {
      continue
    }
    for (const m of action.matchAll(VALUES_PATH)) {
      references.push({
        file,
        path: (m[3] ?? '').slice(1),
        isBare: (m[2] ?? '') === '',
        isInsideRangeOrWith: blocks.some((b) => b === 'range' || b === 'with'),
      })
    }
    const keyword = /^(if|range|with|define|block|end)\b/.exec(action)?.[1]
    if (keyword === 'end') {
      blocks.pop()
    } else if (keyword !== undefined) {
      blocks.push(keyword)
    }
  }
  return references
}

function existsIn(values: Values, path: string): boolean {
  let node: unknown = values
  for (const key of path.split('.')) {
    if (!isPlainObject(node) || !(key in node)) {
      return false
    }
    node = node[key]
  }
  return true
}

const templates = readTemplates()
const defaults = readDefaultValues()
const references = templates.flatMap((t) => valuesReferences(t.file, t.text))

describe('chart templates', () => {
  it('reference .Values paths at all (the scanner works)', () => {
    expect(references.length).toBeGreaterThan(50)
    expect(references.map((r) => r.path)).toContain('gateway.config')
    expect(references.map((r) => r.path)).toContain('engineDefaults')
  })

  it('use only .Values paths that exist in values.yaml', () => {
    const missing = references
      .filter((r) => !existsIn(defaults, r.path))
      .map((r) => `${r.file}: .Values.${r.path}`)
    expect(missing).toEqual([])
  })

  it('use $.Values, not .Values, inside range and with blocks', () => {
    const wrong = references
      .filter((r) => r.isBare && r.isInsideRangeOrWith)
      .map((r) => `${r.file}: .Values.${r.path}`)
    expect(wrong).toEqual([])
  })

  it('use every top-level key of values.yaml', () => {
    const used = new Set(references.map((r) => r.path.split('.')[0]))
    expect(Object.keys(defaults).filter((k) => !used.has(k))).toEqual([])
  })

  it('include only templates that are defined', () => {
    const all = templates.map((t) => t.text).join('\n')
    const defined = new Set([...all.matchAll(/define\s+"([^"]+)"/g)].map((m) => m[1]))
    const included = new Set([...all.matchAll(/include\s+"([^"]+)"/g)].map((m) => m[1]))
    expect([...included].filter((name) => !defined.has(name))).toEqual([])
    expect(included.size).toBeGreaterThan(10)
  })

  it.each(templates.map((t) => [t.file, t.text] as const))(
    '%s closes every block it opens',
    (_file, text) => {
      let depth = 0
      for (const action of actionsOf(text)) {
        if (/^(if|range|with|define|block)\b/.test(action)) {
          depth += 1
        } else if (/^end\b/.test(action)) {
          depth -= 1
          expect(depth).toBeGreaterThanOrEqual(0)
        }
      }
      expect(depth).toBe(0)
      expect(text.split('{{').length).toBe(text.split('}}').length)
    },
  )

  it('keep the secrets out of ConfigMaps', () => {
    const models = templates.find((t) => t.file === 'models-file.yaml')?.text ?? ''
    const configMapPart = models.slice(models.indexOf('kind: ConfigMap'))
    expect(configMapPart).not.toMatch(/api-key|apiKeys \$/)
    expect(configMapPart).toContain('"apiKeys" dict')
  })
})

/**
 * Functions Helm knows: Go's template builtins, the Sprig functions and Helm's own. A short list of the real names
 * (not all of Sprig), enough to catch a misspelt function such as `toJSON` or `nindnet` before Helm would.
 */
const KNOWN_FUNCTIONS = new Set([
  // keywords and Go builtins
  ...['if', 'else', 'range', 'with', 'define', 'block', 'end', 'template', 'break', 'continue'],
  ...['and', 'or', 'not', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'len', 'index', 'slice', 'print'],
  ...['printf', 'println', 'html', 'js', 'urlquery', 'call', 'true', 'false', 'nil'],
  // Helm
  ...['include', 'tpl', 'required', 'lookup', 'toYaml', 'fromYaml', 'fromYamlArray', 'toJson'],
  ...['fromJson', 'toToml', 'fail'],
  // Sprig
  ...['default', 'empty', 'coalesce', 'ternary', 'list', 'dict', 'get', 'set', 'unset', 'hasKey'],
  ...['keys', 'pick', 'omit', 'merge', 'mergeOverwrite', 'deepCopy', 'append', 'prepend', 'first'],
  ...[
    'last',
    'has',
    'uniq',
    'without',
    'compact',
    'concat',
    'quote',
    'squote',
    'trim',
    'trimSuffix',
  ],
  ...['trimPrefix', 'trunc', 'upper', 'lower', 'replace', 'contains', 'hasPrefix', 'hasSuffix'],
  ...['indent', 'nindent', 'toString', 'toStrings', 'int', 'int64', 'float64', 'atoi', 'kindIs'],
  ...['kindOf', 'typeOf', 'typeIs', 'add', 'add1', 'sub', 'div', 'mod', 'mul', 'max', 'min'],
  ...[
    'b64enc',
    'b64dec',
    'sha256sum',
    'randAlphaNum',
    'toPrettyJson',
    'toRawJson',
    'join',
    'split',
  ],
  ...['splitList', 'regexMatch', 'regexReplaceAll', 'semverCompare', 'until', 'untilStep', 'now'],
])

describe('chart template functions', () => {
  it('are all functions Helm knows', () => {
    const unknown = new Set<string>()
    for (const { file, text } of templates) {
      for (const action of actionsOf(text)) {
        if (action.startsWith('/*')) {
          continue
        }
        const code = action.replace(/"(?:[^"\\]|\\.)*"/g, '""')
        for (const m of code.matchAll(/(?<![\w.$"])([A-Za-z][A-Za-z0-9]*)\b/g)) {
          const name = m[1] ?? ''
          if (!KNOWN_FUNCTIONS.has(name)) {
            unknown.add(`${file}: ${name}`)
          }
        }
      }
    }
    expect([...unknown]).toEqual([])
  })
})

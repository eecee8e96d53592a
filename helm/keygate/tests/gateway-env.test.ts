import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../../gateway/src/config.js'
import { isPlainObject, readTemplates, type Values, valueSets } from './chart-files.js'

/**
 * The gateway's environment as the Deployment sets it: the literal `- name:`/`value:` pairs of
 * gateway-deployment.yaml plus gateway.config, whose keys are the gateway's own variable names. Files the pod would
 * mount (secrets, models file) are written under a temporary root, and the gateway's own parseConfig judges the result.
 * Variables the template sets only under a condition (DATABASE_URL_FILE, KEYGATE_METRICS_TOKEN_FILE) are always set
 * here: the check covers their names and files, not the conditions.
 */

const templates = readTemplates()
const deployment = templates.find((t) => t.file === 'gateway-deployment.yaml')?.text ?? ''
const secretTemplate = templates.find((t) => t.file === 'secret.yaml')?.text ?? ''

/** `- name: X` followed by `value: literal` (no template action in the value). */
const literalEnv = [
  ...deployment.matchAll(/- name: ([A-Z][A-Z0-9_]*)\n\s+value: ("?)([^{\n"]+)\2\n/g),
].map((m) => ({ name: m[1] ?? '', value: m[3] ?? '' }))

/** Length of each value the chart generates with randAlphaNum, by Secret key. */
const generatedLengths = new Map(
  [...secretTemplate.matchAll(/"([a-z-]+)" \(get \$old "\1" \| default \(randAlphaNum (\d+)/g)].map(
    (m) => [m[1] ?? '', Number(m[2])],
  ),
)

const root = mkdtempSync(join(tmpdir(), 'keygate-helm-env-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function mounted(path: string, content: string): string {
  const target = join(root, path)
  mkdirSync(dirname(target), { recursive: true })
  writeFileSync(target, content)
  return target
}

/** What a mounted file would contain: generated secrets have their generated length. */
function contentFor(path: string): string {
  const key = path.split('/').pop() ?? ''
  if (key === 'database-url') {
    return 'postgres://keygate:secret@keygate-postgresql.ns.svc.cluster.local:5432/keygate'
  }
  if (key === 'models.json') {
    return '{"models":[]}'
  }
  return 'a'.repeat(generatedLengths.get(key) ?? 0)
}

/** Helm prints numbers from values as integers (keygate.envValue), strings as they are. */
function envValue(value: unknown): string {
  return typeof value === 'number' ? String(Math.trunc(value)) : String(value)
}

function gatewayEnv(values: Values): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const { name, value } of literalEnv) {
    env[name] =
      value.startsWith('/') && name !== 'KEYGATE_DATA_DIR'
        ? mounted(value, contentFor(value))
        : value
  }
  const gateway = values.gateway
  const config = isPlainObject(gateway) && isPlainObject(gateway.config) ? gateway.config : {}
  for (const [name, value] of Object.entries(config)) {
    env[name] = envValue(value)
  }
  return env
}

describe('gateway environment set by the chart', () => {
  it('finds the literal variables of the Deployment', () => {
    expect(literalEnv.map((e) => e.name)).toEqual(
      expect.arrayContaining([
        'PORT',
        'KEYGATE_DATA_DIR',
        'KEYGATE_MODELS_FILE',
        'KEYGATE_SESSION_SECRET_FILE',
        'KEYGATE_BOOTSTRAP_PASSWORD_FILE',
        'KEYGATE_METRICS_TOKEN_FILE',
        'DATABASE_URL_FILE',
      ]),
    )
    expect(generatedLengths.get('session-secret')).toBeGreaterThan(0)
    expect(generatedLengths.get('bootstrap-password')).toBeGreaterThan(0)
  })

  it.each(valueSets().map((s) => [s.name, s.values] as const))(
    'is valid configuration for the gateway with %s',
    (_name, values) => {
      const parsed = parseConfig(gatewayEnv(values))
      expect(parsed.ok ? [] : parsed.problems).toEqual([])
      if (parsed.ok) {
        expect(parsed.config.port).toBe(8080)
        expect(parsed.config.sessionSecret?.length).toBeGreaterThanOrEqual(32)
      }
    },
  )

  it('uses only variable names the gateway reads', () => {
    const names = [
      ...literalEnv.map((e) => e.name),
      ...valueSets().flatMap((s) => {
        const gateway = s.values.gateway
        return isPlainObject(gateway) && isPlainObject(gateway.config)
          ? Object.keys(gateway.config)
          : []
      }),
    ]
    const baseline = JSON.stringify(parseConfig({}))
    // A name the gateway reads changes the outcome for at least one of these values; an unknown one never does.
    const probes = ['', 'not-a-number', '/no/such/file', '/tmp']
    const unknown = [...new Set(names)].filter((name) =>
      probes.every((value) => JSON.stringify(parseConfig({ [name]: value })) === baseline),
    )
    expect(unknown).toEqual([])
    expect(
      probes.every((v) => JSON.stringify(parseConfig({ KEYGATE_NO_SUCH_SETTING: v })) === baseline),
    ).toBe(true)
  })
})

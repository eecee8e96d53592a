import { Ajv } from 'ajv'
import { describe, expect, it } from 'vitest'
import {
  mergeValues,
  readDefaultValues,
  readSchema,
  type Values,
  valueSets,
} from './chart-files.js'

const ajv = new Ajv({ allErrors: true, strict: false })
const validate = ajv.compile(readSchema())

function problemsOf(values: Values): string[] {
  return validate(values)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`)
}

/** The defaults with `overrides` merged over them, as `helm install --set`/`-f` would produce. */
function withOverrides(overrides: Values): Values {
  return mergeValues(readDefaultValues(), overrides)
}

const engine = {
  name: 'llama',
  backend: 'vllm',
  model: 'meta-llama/Llama-3.1-8B-Instruct',
}

describe('values.schema.json', () => {
  describe('accepts', () => {
    it.each(valueSets().map((s) => [s.name, s.values] as const))('%s', (_name, values) => {
      expect(problemsOf(values)).toEqual([])
    })

    it.each([['auto'], [true], [false]])(
      'redis.enabled = %j, and an external Redis URL',
      (enabled) => {
        expect(problemsOf(withOverrides({ redis: { enabled } }))).toEqual([])
        expect(
          problemsOf(withOverrides({ externalRedis: { url: 'rediss://:pw@cache.example:6380' } })),
        ).toEqual([])
      },
    )

    it('a minimal engine with only name, backend and model', () => {
      expect(problemsOf(withOverrides({ engines: [engine] }))).toEqual([])
    })
  })

  describe('rejects', () => {
    const cases: [string, Values][] = [
      ['a negative replica count', { gateway: { replicaCount: -1 } }],
      ['a replica count given as a string', { gateway: { replicaCount: '2' } }],
      ['an unknown top-level key (a typo)', { replicas: 2 }],
      ['an unknown gateway setting', { gateway: { config: { KEYGATE_SHUTDOWN_GRACE: 1000 } } }],
      ['a chart-managed variable in gateway.config', { gateway: { config: { PORT: 9000 } } }],
      ['an unknown log level', { gateway: { config: { LOG_LEVEL: 'verbose' } } }],
      ['a zero body limit', { gateway: { config: { KEYGATE_MAX_BODY_BYTES: 0 } } }],
      ['an unknown engine backend', { engines: [{ ...engine, backend: 'tgi' }] }],
      ['an engine without a model', { engines: [{ name: 'llama', backend: 'vllm' }] }],
      ['an engine without a name', { engines: [{ backend: 'vllm', model: 'x' }] }],
      ['an engine name that is not a DNS label', { engines: [{ ...engine, name: 'Llama_8B' }] }],
      ['an unknown engine key', { engines: [{ ...engine, gpu: 1 }] }],
      [
        'a served model name with spaces',
        { engines: [{ ...engine, servedModelName: 'my model' }] },
      ],
      ['negative GPUs', { engines: [{ ...engine, gpus: -1 }] }],
      ['an unknown model cache type', { engines: [{ ...engine, modelCache: { type: 's3' } }] }],
      ['a malformed volume size', { engines: [{ ...engine, modelCache: { size: '200 GB' } }] }],
      ['an unknown access policy', { engines: [{ ...engine, accessPolicy: 'everyone' }] }],
      [
        'a probe period of 0 seconds',
        { engines: [{ ...engine, startupProbe: { periodSeconds: 0 } }] },
      ],
      ['a database URL that is not postgres', { externalDatabase: { url: 'mysql://db/keygate' } }],
      ['a Redis URL that is not redis://', { externalRedis: { url: 'http://cache:6379' } }],
      ['an unknown redis.enabled mode', { redis: { enabled: 'sometimes' } }],
      ['an unknown redis key', { redis: { persistence: true } }],
      [
        'several replicas on the embedded database',
        { postgresql: { enabled: false }, gateway: { replicaCount: 2 } },
      ],
      [
        'autoscaling on the embedded database',
        {
          postgresql: { enabled: false },
          gateway: { replicaCount: 1 },
          autoscaling: { enabled: true },
        },
      ],
      [
        'the bundled Postgres and an external one together',
        { externalDatabase: { url: 'postgres://u:p@db:5432/keygate' } },
      ],
      [
        'an extra model that carries an engine key (it would land in a ConfigMap)',
        { extraModels: [{ name: 'm', instances: [{ url: 'http://e:8000', api_key: 'secret' }] }] },
      ],
      [
        'an extra model with a non-HTTP instance URL',
        { extraModels: [{ name: 'm', instances: [{ url: 'tcp://e:8000' }] }] },
      ],
      [
        'an engine route the gateway does not proxy',
        { engines: [{ ...engine, routes: ['/tokenize'] }] },
      ],
      ['a service port out of range', { service: { port: 70000 } }],
      [
        'an ingress path without a slash',
        { ingress: { hosts: [{ host: 'a', paths: [{ path: 'v1', pathType: 'Prefix' }] }] } },
      ],
    ]
    it.each(cases)('%s', (_name, overrides) => {
      expect(problemsOf(withOverrides(overrides))).not.toEqual([])
    })
  })

  it('lets an engine set every key that engineDefaults has', () => {
    const schema = readSchema() as {
      properties: Record<
        string,
        { properties?: Record<string, unknown>; items?: { properties: Record<string, unknown> } }
      >
    }
    const defaultKeys = Object.keys(schema.properties.engineDefaults?.properties ?? {})
    const engineKeys = Object.keys(schema.properties.engines?.items?.properties ?? {})
    expect(defaultKeys.length).toBeGreaterThan(10)
    expect(defaultKeys.filter((k) => !engineKeys.includes(k))).toEqual([])
  })
})

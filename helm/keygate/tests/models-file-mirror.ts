import { isPlainObject, type Values } from './chart-files.js'

/**
 * The models file the chart renders, rebuilt from values in TypeScript because Helm cannot run here. It mirrors the
 * `keygate.modelsFile`, `keygate.engineUrl` and `keygate.fullname` helpers of templates/_helpers.tpl line by line;
 * models-file.test.ts checks that both use the same keys. Helm's `default` treats "" and missing alike, hence `||`.
 */

export interface Release {
  name: string
  namespace: string
}

export interface EngineValues {
  name: string
  backend: string
  servedModelName?: string
  description?: string
  accessPolicy?: string
  allowedUsers?: string[]
  routes?: string[]
}

function text(values: Values, key: string): string {
  const value = values[key]
  return typeof value === 'string' ? value : ''
}

export function fullnameOf(values: Values, release: Release): string {
  const override = text(values, 'fullnameOverride')
  const trim = (s: string) => s.slice(0, 63).replace(/-+$/, '')
  if (override !== '') {
    return trim(override)
  }
  const name = text(values, 'nameOverride') || 'keygate'
  return trim(release.name.includes(name) ? release.name : `${release.name}-${name}`)
}

export function enginesOf(values: Values): EngineValues[] {
  const engines = values.engines
  return Array.isArray(engines) ? (engines as EngineValues[]) : []
}

export function engineUrlOf(values: Values, release: Release, engine: EngineValues): string {
  const port = engine.backend === 'vllm' ? 8000 : 8080
  const service = `${fullnameOf(values, release)}-engine-${engine.name}`
  return `http://${service}.${release.namespace}.svc.${text(values, 'clusterDomain')}:${port}`
}

function isEngineAuthEnabled(values: Values): boolean {
  const auth = values.engineAuth
  return isPlainObject(auth) && auth.enabled === true
}

/** `apiKeyOf` stands in for the keys the chart generates (randAlphaNum 48) or reads back with `lookup`. */
export function renderModelsFile(
  values: Values,
  release: Release,
  apiKeyOf: (engineName: string) => string,
): { models: unknown[] } {
  const models: unknown[] = enginesOf(values).map((engine) => {
    const instance: Record<string, string> = {
      url: engineUrlOf(values, release, engine),
      worker: engine.name,
    }
    if (isEngineAuthEnabled(values)) {
      instance.api_key = apiKeyOf(engine.name)
    }
    const model: Record<string, unknown> = {
      name: engine.servedModelName || engine.name,
      backend: engine.backend,
      access_policy: engine.accessPolicy || 'authed',
      allowed_users: engine.allowedUsers?.length ? engine.allowedUsers : [],
      instances: [instance],
    }
    if (engine.description) {
      model.description = engine.description
    }
    if (engine.routes?.length) {
      model.routes = engine.routes
    }
    return model
  })
  const extra = Array.isArray(values.extraModels) ? (values.extraModels as unknown[]) : []
  return { models: [...models, ...extra] }
}

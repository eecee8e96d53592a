import { describe, expect, it } from 'vitest'
import { parseModelsFile } from '../../../gateway/src/models/models-file.js'
import { mergeValues, readDefaultValues, readTemplates, valueSets } from './chart-files.js'
import { enginesOf, type Release, renderModelsFile } from './models-file-mirror.js'

const release: Release = { name: 'keygate', namespace: 'ai-platform' }
const placeholderKey = (engineName: string) => `k${engineName.replace(/-/g, '')}`.padEnd(48, 'x')

/** The JSON the chart's ConfigMap/Secret would hold, as the gateway reads it from KEYGATE_MODELS_FILE. */
function modelsFileText(values: Record<string, unknown>): string {
  return JSON.stringify(renderModelsFile(values, release, placeholderKey), null, 2)
}

describe('generated KEYGATE_MODELS_FILE', () => {
  const sets = valueSets()

  it('has examples with engines to check', () => {
    expect(sets.filter((s) => enginesOf(s.values).length > 0).length).toBeGreaterThanOrEqual(2)
  })

  it.each(sets.map((s) => [s.name, s.values] as const))(
    'is accepted by the gateway loader for %s',
    (_name, values) => {
      const parsed = parseModelsFile(modelsFileText(values))
      expect(parsed.ok ? [] : parsed.problems).toEqual([])
      if (!parsed.ok) {
        return
      }
      const engines = enginesOf(values)
      for (const engine of engines) {
        const model = parsed.models.find((m) => m.name === (engine.servedModelName || engine.name))
        expect(model?.backend).toBe(engine.backend)
        const url = new URL(model?.instances[0]?.url ?? '')
        expect(url.hostname).toBe(`keygate-engine-${engine.name}.ai-platform.svc.cluster.local`)
        expect(url.port).toBe(engine.backend === 'vllm' ? '8000' : '8080')
        // A Service name is a DNS label: at most 63 characters.
        expect(url.hostname.split('.')[0]?.length).toBeLessThanOrEqual(63)
      }
      const extra = Array.isArray(values.extraModels) ? values.extraModels.length : 0
      expect(parsed.models).toHaveLength(engines.length + extra)
    },
  )

  it("passes an engine's routes on to its model", () => {
    const engines = [
      { name: 'emb', backend: 'llama.cpp', model: '/m.gguf', routes: ['/v1/embeddings'] },
      { name: 'chat', backend: 'vllm', model: 'm' },
    ]
    const parsed = parseModelsFile(modelsFileText(mergeValues(readDefaultValues(), { engines })))
    expect(parsed.ok && parsed.models.map((m) => m.routes)).toEqual([['/v1/embeddings'], undefined])
  })

  it('gives each engine instance its key only when engineAuth is enabled', () => {
    const engines = [{ name: 'a', backend: 'vllm', model: 'm' }]
    const on = mergeValues(readDefaultValues(), { engines, engineAuth: { enabled: true } })
    const off = mergeValues(readDefaultValues(), { engines, engineAuth: { enabled: false } })
    const parsedOn = parseModelsFile(modelsFileText(on))
    const parsedOff = parseModelsFile(modelsFileText(off))
    expect(parsedOn.ok && parsedOn.models[0]?.instances[0]?.api_key).toBe(placeholderKey('a'))
    expect(parsedOff.ok && parsedOff.models[0]?.instances[0]?.api_key).toBeUndefined()
  })

  it('is rejected by the loader when two engines serve the same model name', () => {
    const values = mergeValues(readDefaultValues(), {
      engines: [
        { name: 'a', backend: 'vllm', model: 'm', servedModelName: 'same' },
        { name: 'b', backend: 'llama.cpp', model: '/m.gguf', servedModelName: 'same' },
      ],
    })
    const parsed = parseModelsFile(modelsFileText(values))
    expect(parsed.ok).toBe(false)
  })

  it('is built by the template with exactly the keys the mirror uses', () => {
    const helpers = readTemplates().find((t) => t.file === '_helpers.tpl')?.text ?? ''
    const start = helpers.indexOf('define "keygate.modelsFile"')
    const block = helpers
      .slice(start, helpers.indexOf('{{- end -}}\n\n', start))
      .replace(/\(dict "root"[^)]*\)/g, '') // arguments of helper calls, not document keys
    // Quoted snake_case words are the document's keys; `default "authed"` is a value, not a key.
    const templateKeys = new Set(
      [...block.matchAll(/(?<!default )"([a-z_]+)"/g)].map((m) => m[1] ?? ''),
    )
    const values = mergeValues(readDefaultValues(), {
      engineAuth: { enabled: true },
      engines: [
        { name: 'a', backend: 'vllm', model: 'm', description: 'd', routes: ['/v1/messages'] },
      ],
    })
    const mirrorKeys = new Set<string>()
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) {
        node.forEach(collect)
      } else if (typeof node === 'object' && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          mirrorKeys.add(key)
          collect(value)
        }
      }
    }
    collect(renderModelsFile(values, release, placeholderKey))
    expect([...templateKeys].sort()).toEqual([...mirrorKeys].sort())
  })
})

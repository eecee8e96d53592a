import { describe, expect, it } from 'vitest'
import { buildModelBody, emptyInstance, emptyModelForm, type ModelForm } from './model-form.js'

function form(patch: Partial<ModelForm> = {}): ModelForm {
  return {
    ...emptyModelForm(),
    name: 'small-model',
    instances: [{ ...emptyInstance(), url: 'http://10.0.3.7:8000/' }],
    ...patch,
  }
}

describe('model form', () => {
  it('builds the API body, trimming the URL and leaving out a blank instance API key', () => {
    expect(buildModelBody(form({ upstreamModelName: ' Qwen/Qwen3-8B ' }))).toEqual({
      ok: true,
      body: {
        name: 'small-model',
        description: '',
        backend: 'vllm',
        upstream_model_name: 'Qwen/Qwen3-8B',
        access_policy: 'authed',
        allowed_user_ids: [],
        instances: [{ url: 'http://10.0.3.7:8000', weight: 1, worker: '' }],
        input_price_per_mtok: null,
        output_price_per_mtok: null,
      },
    })
  })

  it('sends typed prices as numbers and refuses what is not a non-negative number', () => {
    expect(buildModelBody(form({ inputPrice: ' 0.15 ', outputPrice: '0' }))).toMatchObject({
      ok: true,
      body: { input_price_per_mtok: 0.15, output_price_per_mtok: 0 },
    })
    const built = buildModelBody(form({ inputPrice: '-1', outputPrice: '1e3' }))
    expect(built.ok).toBe(false)
    if (!built.ok) {
      expect(Object.keys(built.errors).sort()).toEqual([
        'input_price_per_mtok',
        'output_price_per_mtok',
      ])
    }
  })

  it('sends a typed instance API key and the granted users under Allowed users', () => {
    const built = buildModelBody(
      form({
        accessPolicy: 'allowed_users',
        allowedUserIds: [3, 4],
        instances: [{ ...emptyInstance(), url: 'http://a:1', apiKey: 'engine-secret' }],
      }),
    )
    expect(built).toMatchObject({
      ok: true,
      body: {
        allowed_user_ids: [3, 4],
        instances: [{ url: 'http://a:1', api_key: 'engine-secret' }],
      },
    })
  })

  it('refuses a name the API refuses', () => {
    expect(buildModelBody(form({ name: '-bad name' }))).toMatchObject({
      ok: false,
      errors: { name: expect.any(String) },
    })
  })

  it('refuses a non-http URL, a bad weight and duplicate URLs', () => {
    const built = buildModelBody(
      form({
        instances: [
          { ...emptyInstance(), url: 'ftp://x', weight: '0' },
          { ...emptyInstance(), url: 'http://a:1' },
          { ...emptyInstance(), url: 'http://a:1/' },
        ],
      }),
    )
    expect(built.ok).toBe(false)
    if (!built.ok) {
      expect(Object.keys(built.errors).sort()).toEqual([
        'instances',
        'instances.0.url',
        'instances.0.weight',
      ])
    }
  })
})

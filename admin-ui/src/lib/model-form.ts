import type { AccessPolicy, AdminModel, Backend, CreateModelBody } from '../api-types.js'
import type { Checked } from './use-form-submit.js'

/** The model editor's state; instance api keys are write-only (blank keeps the stored one). */
export interface InstanceForm {
  url: string
  weight: string
  worker: string
  apiKey: string
  hasApiKey: boolean
}

export interface ModelForm {
  name: string
  description: string
  backend: Backend
  upstreamModelName: string
  accessPolicy: AccessPolicy
  allowedUserIds: number[]
  instances: InstanceForm[]
  /** Per million tokens, as typed; blank = not priced. */
  inputPrice: string
  outputPrice: string
}

export type ModelFormErrors = Record<string, string>

/** The API's rule for a model name (gateway/src/models/models-file.ts MODEL_NAME). */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/

export function emptyInstance(): InstanceForm {
  return { url: '', weight: '1', worker: '', apiKey: '', hasApiKey: false }
}

export function emptyModelForm(): ModelForm {
  return {
    name: '',
    description: '',
    backend: 'vllm',
    upstreamModelName: '',
    accessPolicy: 'authed',
    allowedUserIds: [],
    instances: [emptyInstance()],
    inputPrice: '',
    outputPrice: '',
  }
}

export function modelFormFor(m: AdminModel): ModelForm {
  return {
    name: m.name,
    description: m.description,
    backend: m.backend,
    upstreamModelName: m.upstream_model_name ?? '',
    accessPolicy: m.access_policy,
    allowedUserIds: [...m.allowed_user_ids],
    instances: m.instances.map((i) => ({
      url: i.url,
      weight: String(i.weight),
      worker: i.worker,
      apiKey: '',
      hasApiKey: i.has_api_key,
    })),
    inputPrice: m.input_price_per_mtok === null ? '' : String(m.input_price_per_mtok),
    outputPrice: m.output_price_per_mtok === null ? '' : String(m.output_price_per_mtok),
  }
}

/** Blank is "not priced" (null); otherwise a non-negative number, or undefined when it is not one. */
export function parsePrice(text: string): number | null | undefined {
  const t = text.trim()
  if (t === '') {
    return null
  }
  const n = Number(t)
  return /^\d+(\.\d+)?$/.test(t) && Number.isFinite(n) && n <= 1_000_000_000 ? n : undefined
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.search === '' &&
      url.hash === ''
    )
  } catch {
    return false
  }
}

function checkInstance(inst: InstanceForm, index: number, errors: ModelFormErrors): void {
  if (!isHttpUrl(inst.url.trim())) {
    errors[`instances.${index}.url`] = 'Enter the engine base URL, e.g. http://10.0.3.7:8000.'
  }
  const weight = Number(inst.weight)
  if (!Number.isInteger(weight) || weight < 1 || weight > 1000) {
    errors[`instances.${index}.weight`] = 'The weight is a whole number from 1 to 1000.'
  }
}

export type BuiltModel = Checked<ModelFormErrors, CreateModelBody>

/** The body for POST, and for PUT (the same fields; instances and user grants replace the stored lists). */
export function buildModelBody(form: ModelForm): BuiltModel {
  const errors: ModelFormErrors = {}
  const name = form.name.trim()
  if (name === '' || name.length > 128 || !MODEL_NAME.test(name)) {
    errors.name =
      'The name is 1 to 128 letters, digits or . _ : / @ -, starting with a letter or digit.'
  }
  const urls = form.instances.map((i) => i.url.trim().replace(/\/+$/, ''))
  for (const [index, inst] of form.instances.entries()) {
    checkInstance(inst, index, errors)
  }
  if (new Set(urls).size !== urls.length) {
    errors.instances = 'Each instance URL may appear only once.'
  }
  const inputPrice = parsePrice(form.inputPrice)
  const outputPrice = parsePrice(form.outputPrice)
  if (inputPrice === undefined) {
    errors.input_price_per_mtok = 'The price is a number of at least 0, or blank for none.'
  }
  if (outputPrice === undefined) {
    errors.output_price_per_mtok = 'The price is a number of at least 0, or blank for none.'
  }
  if (Object.keys(errors).length > 0 || inputPrice === undefined || outputPrice === undefined) {
    return { ok: false, errors }
  }
  const upstream = form.upstreamModelName.trim()
  return {
    ok: true,
    body: {
      name,
      description: form.description.trim(),
      backend: form.backend,
      upstream_model_name: upstream === '' ? null : upstream,
      access_policy: form.accessPolicy,
      allowed_user_ids: form.accessPolicy === 'allowed_users' ? [...form.allowedUserIds] : [],
      instances: form.instances.map((inst, index) => ({
        url: urls[index] ?? inst.url,
        weight: Number(inst.weight),
        worker: inst.worker.trim(),
        // Omitted: the gateway keeps the stored key of the instance with this URL.
        ...(inst.apiKey === '' ? {} : { api_key: inst.apiKey }),
      })),
      input_price_per_mtok: inputPrice,
      output_price_per_mtok: outputPrice,
    },
  }
}

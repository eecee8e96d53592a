import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { findUnstorableText } from '../http/storable-text.js'
import { MODEL_ROUTES } from './model-routes.js'

/** A model name is what clients send as `model`: printable, no spaces, no slashes at either end. */
export const MODEL_NAME = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/,
    'letters, digits and . _ : / @ - only, starting with a letter or digit',
  )

export const INSTANCE_URL = z
  .url({ protocol: /^https?$/ })
  .refine((u) => !/[?#]/.test(u), 'an engine base URL has no query or fragment')
  .transform((u) => u.replace(/\/+$/, ''))

export const InstanceSpec = z.strictObject({
  url: INSTANCE_URL,
  weight: z.number().int().min(1).max(1000).default(1),
  worker: z.string().max(256).default(''),
  api_key: z.string().min(1).max(4096).nullish(),
})

/** The proxied routes a model serves (e.g. `/v1/messages`); null or absent = its backend's defaults. */
export const ROUTES = z
  .array(z.enum(MODEL_ROUTES))
  .max(MODEL_ROUTES.length)
  .transform((list): string[] => MODEL_ROUTES.filter((r) => list.includes(r)))
  .nullish()

/** Per million tokens, in the installation's currency; null = not priced. */
export const PRICE = z
  .number({ error: 'must be a non-negative number or null' })
  .min(0, 'must be a non-negative number or null')
  .max(1_000_000_000)
  .nullable()

export const ModelSpec = z.strictObject({
  name: MODEL_NAME,
  description: z.string().max(2000).default(''),
  backend: z.enum(['vllm', 'llama.cpp', 'openai']).default('vllm'),
  upstream_model_name: z.string().min(1).max(256).nullish(),
  access_policy: z.enum(['authed', 'allowed_users']).default('authed'),
  routes: ROUTES,
  /** Usernames granted access when access_policy is allowed_users. */
  allowed_users: z.array(z.string().min(1)).default([]),
  instances: z.array(InstanceSpec).default([]),
  input_price_per_mtok: PRICE.optional(),
  output_price_per_mtok: PRICE.optional(),
})

export const ModelsFile = z.strictObject({
  models: z
    .array(ModelSpec)
    .refine(
      (ms) => new Set(ms.map((m) => m.name)).size === ms.length,
      'model names must be unique',
    ),
})

export type ModelSpec = z.infer<typeof ModelSpec>
export type InstanceSpec = z.infer<typeof InstanceSpec>

export type ModelsFileResult = { ok: true; models: ModelSpec[] } | { ok: false; problems: string[] }

/** Parses the text of KEYGATE_MODELS_FILE (JSON or YAML; JSON is YAML) and lists every problem found. */
export function parseModelsFile(text: string): ModelsFileResult {
  let data: unknown
  try {
    data = parseYaml(text)
  } catch (err) {
    return {
      ok: false,
      problems: [`not valid JSON or YAML: ${err instanceof Error ? err.message : String(err)}`],
    }
  }
  const unstorable = findUnstorableText(data)
  if (unstorable !== undefined) {
    return { ok: false, problems: [`${unstorable.path || '(root)'}: ${unstorable.problem}`] }
  }
  const parsed = ModelsFile.safeParse(data)
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    }
  }
  return { ok: true, models: parsed.data.models }
}

export async function readModelsFile(path: string): Promise<ModelsFileResult> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const reason = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable'
    return { ok: false, problems: [`cannot read ${path} (${reason})`] }
  }
  return parseModelsFile(text)
}

import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { type Cidr, parseCidr } from './auth/client-address.js'

/** Variables that may also be given as `NAME_FILE`, the path of a mounted secret. */
const FILE_VARIABLES = [
  'DATABASE_URL',
  'KEYGATE_BOOTSTRAP_PASSWORD',
  'KEYGATE_SESSION_SECRET',
  'KEYGATE_SESSION_SECRET_PREVIOUS',
  'KEYGATE_METRICS_TOKEN',
  'KEYGATE_METRICS_TOKEN_PREVIOUS',
  'KEYGATE_REDIS_URL',
] as const

const port = z.coerce.number().int().min(0).max(65535)
const positiveInt = z.coerce.number().int().positive()
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))

/** Comma-separated networks (`10.0.0.0/8, fd00::/8`) or addresses; every entry that is not one is named. */
const trustedProxies = z
  .string()
  .default('')
  .transform((v, ctx): Cidr[] => {
    const cidrs: Cidr[] = []
    for (const entry of v.split(',').map((e) => e.trim())) {
      if (entry === '') {
        continue
      }
      const cidr = parseCidr(entry)
      if (cidr === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `'${entry}' is not an IP address or CIDR network (e.g. 10.0.0.0/8, fd00::/8)`,
        })
      } else {
        cidrs.push(cidr)
      }
    }
    return cidrs
  })

const Env = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: optionalText.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  KEYGATE_DATA_DIR: z.string().min(1).default('./data'),
  KEYGATE_BOOTSTRAP_PASSWORD: optionalText.pipe(z.string().min(8).optional()),
  KEYGATE_SESSION_SECRET: optionalText.pipe(z.string().min(32).optional()),
  KEYGATE_SESSION_SECRET_PREVIOUS: optionalText.pipe(z.string().min(32).optional()),
  KEYGATE_KEY_REFRESH_MS: positiveInt.default(60_000),
  KEYGATE_MODELS_FILE: optionalText,
  KEYGATE_MAX_BODY_BYTES: positiveInt.default(33_554_432),
  KEYGATE_UPSTREAM_HEADERS_TIMEOUT_MS: positiveInt.default(600_000),
  KEYGATE_UPSTREAM_IDLE_TIMEOUT_MS: positiveInt.default(300_000),
  KEYGATE_HEALTH_INTERVAL_MS: positiveInt.default(5_000),
  KEYGATE_SHUTDOWN_GRACE_MS: positiveInt.default(30_000),
  KEYGATE_METRICS_TOKEN: optionalText,
  KEYGATE_METRICS_TOKEN_PREVIOUS: optionalText,
  KEYGATE_TRUSTED_PROXIES: trustedProxies,
  KEYGATE_REDIS_URL: optionalText.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  // Braces would change the Redis Cluster hash tag the limit keys rely on.
  KEYGATE_REDIS_PREFIX: z
    .string()
    .max(64)
    .regex(/^[^{}\s]*$/, 'no braces or spaces')
    .default('keygate:'),
  KEYGATE_REDIS_TIMEOUT_MS: positiveInt.max(10_000).default(20),
  KEYGATE_LIMITS_ON_STORE_ERROR: z.enum(['open', 'closed']).default('open'),
  KEYGATE_LIMITS_DEFAULT_MAX_TOKENS: positiveInt.default(1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export type Config = Readonly<{
  port: number
  host: string
  databaseUrl: string | undefined
  dataDir: string
  bootstrapPassword: string | undefined
  sessionSecret: string | undefined
  /** Still accepted for sessions signed before a rotation (they are renewed with sessionSecret). */
  previousSessionSecret: string | undefined
  keyRefreshMs: number
  modelsFile: string | undefined
  maxBodyBytes: number
  upstreamHeadersTimeoutMs: number
  upstreamIdleTimeoutMs: number
  healthIntervalMs: number
  shutdownGraceMs: number
  metricsToken: string | undefined
  /** Also accepted on /metrics while scrapers move to the new token. */
  previousMetricsToken: string | undefined
  /** Peers whose X-Forwarded-For names the client (auth/client-address.ts); empty: none. */
  trustedProxies: readonly Cidr[]
  /** Redis/Valkey holding the limit counters; unset → counted in process. */
  redisUrl: string | undefined
  redisPrefix: string
  redisTimeoutMs: number
  limitsOnStoreError: 'open' | 'closed'
  limitsDefaultMaxTokens: number
  logLevel: z.infer<typeof Env>['LOG_LEVEL']
}>

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] }

/** Reads `NAME_FILE` for each secret variable; a file that cannot be read is a problem, not a crash. */
function resolveFileVariables(
  env: NodeJS.ProcessEnv,
  problems: string[],
): Record<string, string | undefined> {
  const resolved: Record<string, string | undefined> = { ...env }
  for (const name of FILE_VARIABLES) {
    const path = env[`${name}_FILE`]
    if (path === undefined || path === '') {
      continue
    }
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`${name} and ${name}_FILE are both set; set only one`)
      continue
    }
    try {
      resolved[name] = readFileSync(path, 'utf8').trim()
    } catch (err) {
      const reason = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable'
      problems.push(`${name}_FILE: cannot read ${path} (${reason})`)
    }
  }
  return resolved
}

/** Validates the environment once; returns every problem at once rather than the first. */
export function parseConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const problems: string[] = []
  const resolved = resolveFileVariables(env, problems)
  const parsed = Env.safeParse(resolved)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.')}: ${issue.message}`)
    }
  }
  if (parsed.success) {
    const e = parsed.data
    if (e.KEYGATE_SESSION_SECRET_PREVIOUS !== undefined && e.KEYGATE_SESSION_SECRET === undefined) {
      problems.push(
        'KEYGATE_SESSION_SECRET_PREVIOUS: set KEYGATE_SESSION_SECRET to the new secret too',
      )
    }
    if (e.KEYGATE_METRICS_TOKEN_PREVIOUS !== undefined && e.KEYGATE_METRICS_TOKEN === undefined) {
      problems.push(
        'KEYGATE_METRICS_TOKEN_PREVIOUS: set KEYGATE_METRICS_TOKEN to the new token too',
      )
    }
  }
  if (problems.length > 0 || !parsed.success) {
    return { ok: false, problems }
  }
  const e = parsed.data
  return {
    ok: true,
    config: Object.freeze({
      port: e.PORT,
      host: e.HOST,
      databaseUrl: e.DATABASE_URL,
      dataDir: e.KEYGATE_DATA_DIR,
      bootstrapPassword: e.KEYGATE_BOOTSTRAP_PASSWORD,
      sessionSecret: e.KEYGATE_SESSION_SECRET,
      previousSessionSecret: e.KEYGATE_SESSION_SECRET_PREVIOUS,
      keyRefreshMs: e.KEYGATE_KEY_REFRESH_MS,
      modelsFile: e.KEYGATE_MODELS_FILE,
      maxBodyBytes: e.KEYGATE_MAX_BODY_BYTES,
      upstreamHeadersTimeoutMs: e.KEYGATE_UPSTREAM_HEADERS_TIMEOUT_MS,
      upstreamIdleTimeoutMs: e.KEYGATE_UPSTREAM_IDLE_TIMEOUT_MS,
      healthIntervalMs: e.KEYGATE_HEALTH_INTERVAL_MS,
      shutdownGraceMs: e.KEYGATE_SHUTDOWN_GRACE_MS,
      metricsToken: e.KEYGATE_METRICS_TOKEN,
      previousMetricsToken: e.KEYGATE_METRICS_TOKEN_PREVIOUS,
      trustedProxies: Object.freeze(e.KEYGATE_TRUSTED_PROXIES),
      redisUrl: e.KEYGATE_REDIS_URL,
      redisPrefix: e.KEYGATE_REDIS_PREFIX,
      redisTimeoutMs: e.KEYGATE_REDIS_TIMEOUT_MS,
      limitsOnStoreError: e.KEYGATE_LIMITS_ON_STORE_ERROR,
      limitsDefaultMaxTokens: e.KEYGATE_LIMITS_DEFAULT_MAX_TOKENS,
      logLevel: e.LOG_LEVEL,
    }),
  }
}

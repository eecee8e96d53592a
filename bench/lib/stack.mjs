// The processes of one benchmark run and how to address each target. Layout on the 2 cores: core 0 runs the fake
// engine and the load generator, core 1 runs the gateway under test (bare proxy, peer or Keygate: only one is
// loaded at a time). The orchestrator and Postgres are not pinned; they are idle while load runs.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { runToEnd, startProc, stopProc, waitReady } from './procs.mjs'

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..')
// Pinning keeps the gateway on a core of its own, but when other work already keeps the cores busy a pinned process
// waits for its one core while the other sits free: then (load average above the core count, or `--no-pin`) the
// scheduler places everything; `--pin` forces pinning. Read here so every module sees one answer.
const busy = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) > cpus().length
export const PIN = process.argv.includes('--pin') || !(process.argv.includes('--no-pin') || busy)
export const CPU_LOAD = PIN ? 0 : undefined
export const CPU_GATEWAY = PIN ? 1 : undefined
export const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/postgres'
export const BOOTSTRAP_PASSWORD = 'bench-admin-password-0123456789'

/** Engine profiles: each has its own engine port (and bare-proxy port, and Keygate model name). */
export const PROFILES = {
  fast: { enginePort: 19101, barePort: 19201, model: 'bench-fast', listen: '64:0' },
  gap: { enginePort: 19102, barePort: 19202, model: 'bench-gap', listen: '64:20:stamp' },
  slow: { enginePort: 19103, barePort: 19203, model: 'bench-slow', listen: '64:100' },
}
export const PEER_PORT = 19301
export const KEYGATE_PORT = 19401
export const KEYGATE_B_PORT = 19402

export const TARGETS = ['direct', 'bare', 'peer', 'keygate']

export function chatBody(profile, stream) {
  const model = PROFILES[profile].model
  const body = { model, messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 64 }
  if (stream) body.stream = true
  return JSON.stringify(body)
}

/** An Anthropic Messages request (the same prompt and token limit as chatBody). */
export function messagesBody(profile, stream) {
  const model = PROFILES[profile].model
  const body = { model, max_tokens: 64, messages: [{ role: 'user', content: 'Say hello.' }] }
  if (stream) body.stream = true
  return JSON.stringify(body)
}

/** What marks the end of a complete stream for each API. */
export const STREAM_END = { chat: '[DONE]', messages: 'message_stop' }

/**
 * URL, headers and body for one request to `target` using engine `profile`; `api: 'messages'` for Anthropic's
 * /v1/messages instead of chat (not through the peer, which would need its Anthropic provider set up).
 */
export function endpoint(stack, target, profile, { stream = false, api = 'chat' } = {}) {
  const p = PROFILES[profile]
  const isMessages = api === 'messages'
  if (isMessages && target === 'peer') throw new Error('/v1/messages is not measured through the peer')
  const path = isMessages ? '/v1/messages' : '/v1/chat/completions'
  const body = isMessages ? messagesBody(profile, stream) : chatBody(profile, stream)
  switch (target) {
    case 'direct':
      return { url: `http://127.0.0.1:${p.enginePort}${path}`, headers: {}, body }
    case 'bare':
      return { url: `http://127.0.0.1:${p.barePort}${path}`, headers: {}, body }
    case 'peer':
      return {
        url: `http://127.0.0.1:${PEER_PORT}${path}`,
        headers: {
          authorization: 'Bearer bench',
          'x-portkey-provider': 'openai',
          'x-portkey-custom-host': `http://127.0.0.1:${p.enginePort}/v1`,
        },
        body,
      }
    case 'keygate':
      return {
        url: `${stack.keygate.url}${path}`,
        headers: { authorization: `Bearer ${stack.keygate.key}` },
        body,
      }
    default:
      throw new Error(`unknown target ${target}`)
  }
}

export async function startEngine(ctx) {
  const args = ['bench/lib/engine.mjs']
  for (const p of Object.values(PROFILES)) args.push('--listen', `${p.enginePort}:${p.listen}`)
  const proc = startProc({ name: 'engine', cmd: process.execPath, args, cpu: CPU_LOAD, logDir: ctx.logDir, cwd: ROOT })
  for (const p of Object.values(PROFILES)) await waitReady(proc, `http://127.0.0.1:${p.enginePort}/health`)
  return proc
}

export async function startBare(ctx) {
  const args = ['bench/lib/bare-proxy.mjs']
  for (const p of Object.values(PROFILES)) args.push('--route', `${p.barePort}=http://127.0.0.1:${p.enginePort}`)
  const proc = startProc({ name: 'bare', cmd: process.execPath, args, cpu: CPU_GATEWAY, logDir: ctx.logDir, cwd: ROOT })
  await waitReady(proc, `http://127.0.0.1:${PROFILES.fast.barePort}/health`)
  return proc
}

export const PEER_ENTRY = join(ROOT, 'bench/peer/node_modules/@portkey-ai/gateway/build/start-server.js')

export async function startPeer(ctx) {
  if (!existsSync(PEER_ENTRY)) throw new Error('peer not installed: run bench/peer/install.sh')
  const proc = startProc({
    name: 'peer',
    cmd: process.execPath,
    args: [PEER_ENTRY, `--port=${PEER_PORT}`, '--headless'],
    env: { NODE_ENV: 'production' },
    cpu: CPU_GATEWAY,
    logDir: ctx.logDir,
    cwd: join(ROOT, 'bench/peer'),
  })
  // the peer has no health route of its own; a real proxied request proves it is up
  const e = endpoint(null, 'peer', 'fast')
  await waitReady(proc, e.url, 30_000, { method: 'POST', headers: { ...e.headers, 'content-type': 'application/json' }, body: e.body })
  return proc
}

// ---- Keygate ----

export async function createDatabase(name) {
  const sql = postgres(PG_URL, { max: 1, onnotice: () => {} })
  try {
    await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await sql.unsafe(`CREATE DATABASE ${name}`)
  } finally {
    await sql.end()
  }
  return PG_URL.replace(/\/[^/]*$/, `/${name}`)
}

export async function dropDatabase(name) {
  const sql = postgres(PG_URL, { max: 1, onnotice: () => {} })
  try {
    await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  } finally {
    await sql.end()
  }
}

export function writeModelsFile(dir) {
  const file = join(dir, 'models.json')
  const models = Object.values(PROFILES).map((p) => ({
    name: p.model,
    backend: 'vllm',
    instances: [{ url: `http://127.0.0.1:${p.enginePort}` }],
  }))
  writeFileSync(file, JSON.stringify({ models }, null, 2))
  return file
}

export function keygateEnv(ctx, { port, databaseUrl, dataDir }) {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    KEYGATE_DATA_DIR: dataDir,
    KEYGATE_BOOTSTRAP_PASSWORD: BOOTSTRAP_PASSWORD,
    KEYGATE_MODELS_FILE: ctx.modelsFile,
    LOG_LEVEL: 'warn',
    ...(ctx.keygateExtraEnv ?? {}),
  }
}

export const KEYGATE_CLI = join(ROOT, 'dist/gateway/src/cli.js')

export async function startKeygate(ctx, { name = 'keygate', port = KEYGATE_PORT, databaseUrl, cpu = CPU_GATEWAY, nodeArgs = [] }) {
  const env = keygateEnv(ctx, { port, databaseUrl, dataDir: join(ctx.workDir, `${name}-data`) })
  const proc = startProc({ name, cmd: process.execPath, args: [...nodeArgs, KEYGATE_CLI, 'serve'], env, cpu, logDir: ctx.logDir, cwd: ROOT })
  const readyMs = await waitReady(proc, `http://127.0.0.1:${port}/readyz`, 60_000)
  return { proc, url: `http://127.0.0.1:${port}`, env, readyMs }
}

/** Creates an API key for admin: `keygate keys create` first, else login + POST /v2/api-keys. */
export async function createKey(ctx, kg, name, scope = 'inference,management') {
  try {
    const out = await runToEnd(process.execPath, [KEYGATE_CLI, 'keys', 'create', '--user', 'admin', '--name', name, '--scope', scope], {
      env: kg.env,
      cwd: ROOT,
      timeoutMs: 30_000,
    })
    const m = /(kg_[0-9a-f]{16}_[0-9a-f]{32})/.exec(out)
    if (m) return m[1]
  } catch (err) {
    ctx.log(`keys create CLI failed, trying HTTP: ${String(err.message).split('\n')[0]}`)
  }
  const session = await login(kg.url)
  const res = await fetch(`${kg.url}/v2/api-keys`, {
    method: 'POST',
    headers: { cookie: session, 'content-type': 'application/json', origin: kg.url },
    body: JSON.stringify({ name, scope: scope.split(',') }),
  })
  const body = await res.json()
  if (res.status !== 201 || typeof body.value !== 'string') throw new Error(`POST /v2/api-keys: ${res.status} ${JSON.stringify(body)}`)
  return body.value
}

async function login(url) {
  const res = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ username: 'admin', password: BOOTSTRAP_PASSWORD }),
  })
  await res.arrayBuffer()
  const cookie = res.headers.get('set-cookie')
  if (res.status >= 300 || !cookie) throw new Error(`login failed: ${res.status}`)
  return cookie.split(';')[0]
}

/** One request per profile and API through `target`; resolves with the first failure's description, or null. */
export async function probe(stack, target) {
  const apis = target === 'peer' ? ['chat'] : ['chat', 'messages']
  for (const [profile, api] of apis.map((a) => ['fast', a])) {
    for (const stream of [false, true]) {
      const e = endpoint(stack, target, profile, { stream, api })
      try {
        const res = await fetch(e.url, {
          method: 'POST',
          headers: { ...e.headers, 'content-type': 'application/json' },
          body: e.body,
          signal: AbortSignal.timeout(10_000),
        })
        const text = await res.text()
        if (res.status !== 200) return `${target} ${stream ? 'stream' : 'json'}: HTTP ${res.status} ${text.slice(0, 300)}`
        if (stream && !text.includes(STREAM_END[api])) return `${target} ${api} stream: no ${STREAM_END[api]} in ${text.slice(0, 300)}`
      } catch (err) {
        return `${target}: ${err.message}`
      }
    }
  }
  return null
}

export async function buildGateway(ctx) {
  try {
    await runToEnd('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, timeoutMs: 300_000 })
  } catch (err) {
    // tsc still emits when other files have type errors; what matters is that the CLI exists
    ctx.log(`tsc reported errors (continuing with what it emitted): ${String(err.message).split('\n').slice(1, 4).join(' | ')}`)
  }
  if (!existsSync(KEYGATE_CLI)) throw new Error('dist/gateway/src/cli.js missing after build')
}

export async function stopAll(procs) {
  await Promise.all(procs.filter(Boolean).map((p) => stopProc(p)))
}

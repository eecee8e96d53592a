// The bare pass-through proxy: node:http in, undici out, no auth, no parsing, no logging. It is the practical floor
// for any Node gateway, so "Keygate vs bare proxy" isolates what Keygate's own work costs.
//
//   node bench/lib/bare-proxy.mjs --route 9201=http://127.0.0.1:9101 [--route 9202=http://127.0.0.1:9102]...
import http from 'node:http'
import { parseArgs } from 'node:util'
import { Pool } from 'undici'

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'proxy-connection'])

function strip(headers) {
  const out = {}
  for (const k in headers) if (!HOP.has(k)) out[k] = headers[k]
  return out
}

export function startBareProxy({ port, upstream, host = '127.0.0.1' }) {
  const pool = new Pool(upstream, { connections: 4096, pipelining: 1, keepAliveTimeout: 60_000 })
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const body = req.method === 'GET' || req.method === 'HEAD' ? null : req
    pool
      .stream(
        { method: req.method, path: req.url, headers: strip(req.headers), body, headersTimeout: 0, bodyTimeout: 0 },
        ({ statusCode, headers }) => {
          res.writeHead(statusCode, strip(headers))
          return res
        },
      )
      .catch((err) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
        res.end(String(err?.message ?? err))
      })
    res.on('close', () => {
      if (!res.writableFinished) req.destroy()
    })
  })
  server.headersTimeout = 0
  server.requestTimeout = 0
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { route: { type: 'string', multiple: true } } })
  const routes = (values.route ?? ['9201=http://127.0.0.1:9101']).map((r) => r.split('='))
  await Promise.all(routes.map(([port, upstream]) => startBareProxy({ port: Number(port), upstream })))
  process.stdout.write('bare proxy ready\n')
  process.on('SIGTERM', () => process.exit(0))
}

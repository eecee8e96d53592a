import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Hono } from 'hono'
import { afterAll, describe, expect, it } from 'vitest'
import type { AppEnv } from '../http/app-env.js'
import { onError, onNotFound } from '../http/on-error.js'
import { registerUi } from './ui.js'

const dist = mkdtempSync(join(tmpdir(), 'keygate-ui-'))
mkdirSync(join(dist, 'assets'))
writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Keygate</title>')
writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)')
writeFileSync(join(dist, '..', 'secret.txt'), 'outside the dist directory')

function appWith(distDir: string): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.onError(onError)
  app.notFound(onNotFound)
  registerUi(app, { distDir })
  return app
}

afterAll(() => {
  rmSync(dist, { recursive: true, force: true })
  rmSync(join(dist, '..', 'secret.txt'), { force: true })
})

describe('UI static files', () => {
  const app = appWith(dist)

  describe('happy', () => {
    it('serves index.html at / with no-cache and the security headers', async () => {
      const res = await app.request('/')
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(res.headers.get('cache-control')).toBe('no-cache')
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'")
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('referrer-policy')).toBe('same-origin')
      expect(await res.text()).toContain('<title>Keygate</title>')
    })

    it('serves hashed assets as immutable with their content type', async () => {
      const res = await app.request('/assets/index-abc123.js')
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    })

    it('answers index.html for a client-side route so a reload works', async () => {
      const res = await app.request('/api-keys')
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('no-cache')
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'")
      expect(await res.text()).toContain('<title>Keygate</title>')
    })
  })

  describe('errors', () => {
    it('keeps API paths as JSON 404s instead of the UI', async () => {
      for (const path of [
        '/v1/nope',
        '/v2/nope',
        '/auth/nope',
        '/metrics',
        '/healthz',
        '/readyz',
      ]) {
        const res = await app.request(path)
        expect(res.status, path).toBe(404)
        expect(await res.json()).toMatchObject({ error: { code: 'not_found' } })
      }
    })

    it('answers 404 for a missing asset rather than HTML', async () => {
      const res = await app.request('/assets/missing.js')
      expect(res.status).toBe(404)
    })

    it('says to build the UI when admin-ui/dist is missing', async () => {
      const res = await appWith(join(dist, 'does-not-exist')).request('/')
      expect(res.status).toBe(503)
      expect(await res.text()).toContain('npm run ui:build')
    })
  })

  describe('security', () => {
    it('never serves a file outside the dist directory', async () => {
      for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
        const res = await app.request(path)
        expect(res.status, path).toBe(404)
        expect(await res.text()).not.toContain('outside the dist directory')
      }
    })

    it('refuses a path with a NUL byte', async () => {
      const res = await app.request('/index.html%00.js')
      expect(res.status).toBe(404)
    })
  })
})

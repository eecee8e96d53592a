import { describe, expect, it } from 'vitest'
import { readDefaultValues, readTemplates } from './chart-files.js'

/**
 * The limit counters' Redis: how the chart decides and what it renders, checked on the template text (helm itself
 * is not on every machine; .ci/helm-check.sh renders and validates where it is).
 */
const templates = readTemplates()
const text = (file: string) => templates.find((t) => t.file === file)?.text ?? ''

describe('Redis for the limit counters', () => {
  it('is on by default in "auto" mode, and the default gateway runs more than one replica', () => {
    const values = readDefaultValues() as {
      redis: { enabled: unknown }
      gateway: { replicaCount: number }
    }
    expect(values.redis.enabled).toBe('auto')
    expect(values.gateway.replicaCount).toBeGreaterThan(1)
  })

  it('"auto" means several replicas or autoscaling; an external Redis wins', () => {
    const helper = text('_helpers.tpl')
    const mode = helper.slice(helper.indexOf('define "keygate.redisMode"'))
    expect(mode.indexOf('externalRedis.url')).toBeLessThan(mode.indexOf('"auto"'))
    expect(mode).toContain('(gt (int .Values.gateway.replicaCount) 1) .Values.autoscaling.enabled')
  })

  it('the gateway gets KEYGATE_REDIS_URL: from a Secret for an external Redis, the Service for the bundled one', () => {
    const deployment = text('gateway-deployment.yaml')
    expect(deployment).toMatch(
      /- name: KEYGATE_REDIS_URL\n\s+valueFrom:\n\s+secretKeyRef:\n\s+name: \{\{ include "keygate.redisSecretName" \. \}\}\n\s+key: \{\{ include "keygate.redisSecretKey" \. \}\}/,
    )
    expect(deployment).toMatch(
      /- name: KEYGATE_REDIS_URL\n\s+value: \{\{ printf "redis:\/\/%s\.%s\.svc\.%s:6379" \(include "keygate.redisName" \.\)/,
    )
    expect(text('secret.yaml')).toContain('"redis-url" (.Values.externalRedis.url | b64enc)')
  })

  it('the bundled Redis is a StatefulSet with a Service and a NetworkPolicy that admits only the gateway', () => {
    const redis = text('redis.yaml')
    expect(redis.startsWith('{{- if eq (include "keygate.redisMode" .) "bundled" }}')).toBe(true)
    expect(redis).toContain('kind: StatefulSet')
    expect(redis).toContain('kind: Service')
    expect(text('networkpolicy.yaml')).toContain("# Bundled Redis: only the gateway's pods.")
  })
})

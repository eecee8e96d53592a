import type { Scope } from '../db/tables.js'
import { GatewayError } from '../http/gateway-error.js'
import type { Metrics } from '../observability/metrics.js'
import type { AddressAllowlist } from './address-allowlist.js'
import type { ClientAddressOf } from './client-address.js'
import { readCredential } from './credential.js'
import type { Principal } from './principal.js'
import { identifySession, type SessionVerifier } from './session-identify.js'

/**
 * Who is calling: an API key (bearer or x-api-key) or the session cookie. Framework-free, so the Hono middleware
 * and the node:http proxy path (proxy/proxy-exchange.ts) run the same checks.
 */

export type KeyVerifyResult =
  | { ok: true; principal: Principal }
  | { ok: false; reason: 'unknown' | 'expired' | 'disabled' | 'owner_inactive' | 'unavailable' }

/** Verifies a bearer key; answers synchronously for a cached key (the hot path). */
export interface KeyVerifier {
  verify(token: string): KeyVerifyResult | Promise<KeyVerifyResult>
}

export type { SessionVerifier } from './session-identify.js'

export interface AuthOptions {
  keys: KeyVerifier
  sessions: SessionVerifier
  metrics: Metrics
  /** The client's address (KEYGATE_TRUSTED_PROXIES), asked only for a key with an address allowlist. */
  clientAddressOf: ClientAddressOf
}

/** What identification reads from a request. */
export interface CredentialSource {
  readonly method: string
  /** The request path without the query (what a session that must change its password may reach). */
  readonly path: string
  /** A request header by its lowercase name. */
  header(name: string): string | undefined
  /** The socket's peer address; undefined when unknown. */
  remoteAddress(): string | undefined
  /** Sets a renewed session cookie (a `Set-Cookie` value) on the response. */
  setCookie(value: string): void
}

/**
 * The caller, from an API key (`Authorization: Bearer`, or `x-api-key` as Anthropic's SDKs send it) or the session
 * cookie; rejects with the 400/401/403/503 GatewayError otherwise. A cached key is verified without I/O; only the
 * await remains.
 */
export async function identify(source: CredentialSource, options: AuthOptions): Promise<Principal> {
  const { keys, metrics } = options
  const credential = readCredential(source.header('authorization'), source.header('x-api-key'))
  switch (credential.kind) {
    case 'none':
      return identifySession(source, options.sessions, metrics)
    case 'malformed':
      metrics.auth.inc({ result: 'malformed' })
      throw new GatewayError('invalid_api_key', {
        message: 'Malformed credentials: use Authorization: Bearer <key> or x-api-key: <key>.',
      })
    case 'ambiguous':
      metrics.auth.inc({ result: 'ambiguous' })
      throw new GatewayError('invalid_request', {
        message:
          'Send exactly one credential: one Authorization header with one Bearer key, or the same key in x-api-key.',
        param: 'authorization',
      })
    case 'key': {
      const principal = keyPrincipal(await keys.verify(credential.token), metrics)
      if (principal.allowedAddresses !== null) {
        checkAddress(principal.allowedAddresses, source, options)
      }
      return principal
    }
  }
}

/** 403 unless the client's address is in the key's allowlist; X-Forwarded-For counts only from trusted proxies. */
function checkAddress(
  allowlist: AddressAllowlist,
  source: CredentialSource,
  options: AuthOptions,
): void {
  const address = options.clientAddressOf(source.remoteAddress(), source.header('x-forwarded-for'))
  if (!allowlist.allows(address)) {
    options.metrics.auth.inc({ result: 'ip_not_allowed' })
    throw new GatewayError('ip_not_allowed')
  }
}

function keyPrincipal(result: KeyVerifyResult, metrics: Metrics): Principal {
  if (!result.ok) {
    metrics.auth.inc({ result: result.reason })
    if (result.reason === 'unavailable') {
      throw new GatewayError('database_unavailable')
    }
    throw new GatewayError('invalid_api_key', { message: invalidKeyMessage(result.reason) })
  }
  metrics.auth.inc({ result: 'ok' })
  return result.principal
}

/** The caller holds the secret, so saying why the key is refused leaks nothing. */
const KEY_REFUSALS = {
  unknown: 'Incorrect API key provided.',
  expired: 'This API key has expired.',
  disabled: 'This API key is disabled.',
  owner_inactive: "This API key's owner is deactivated.",
} as const

function invalidKeyMessage(reason: keyof typeof KEY_REFUSALS): string {
  return KEY_REFUSALS[reason]
}

/** Throws 403 unless the caller holds `scope` (a session holds both). */
export function checkScope(principal: Principal, scope: Scope): void {
  if (!principal.scope.has(scope)) {
    throw new GatewayError('insufficient_permissions', {
      message: `This API key lacks the ${scope === 'inference' ? 'Model Access' : 'Platform Management'} permission.`,
    })
  }
}

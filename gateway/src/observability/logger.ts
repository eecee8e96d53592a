import { createRequire } from 'node:module'
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino'
import { serializeError } from './error-serializer.js'

const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'password',
  'new_password',
  'current_password',
  'value',
  'secret',
  'apiKey',
  'api_key',
  'token',
  'messages',
  'prompt',
  'input',
  'body',
]

/**
 * Paths removed at the logger, so a careless log call cannot leak a secret or a prompt: request and response
 * headers, and secret-named fields at the top of a log object. (`err` is rebuilt from a whitelist by
 * error-serializer.ts instead, which also drops database errors' query parameters.) Explicit paths only: pino's
 * wildcard redaction (`*.password`) made every log line ~9× slower (68 µs instead of 8 µs each), which is a large
 * share of the gateway's own cost per request.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  ...SECRET_FIELDS,
]

/** Pretty-printed lines (pino-pretty, in pino's transport worker) to a file descriptor or a file path. */
export interface PrettyOutput {
  readonly pretty: number | string
}

/**
 * JSON lines to `destination` (tests capture them), or to stdout when it is undefined: what Kubernetes and log
 * shippers read. `{ pretty: 1 }` prints readable lines instead, for a person at a terminal (cli.ts asks for it when
 * stdout is a TTY); when pino-pretty cannot be loaded, the lines stay JSON. Redaction happens before either format.
 */
export function createLogger(
  level: LevelWithSilent,
  destination?: DestinationStream | PrettyOutput,
): Logger {
  const options = {
    level,
    base: { service: 'keygate' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
    timestamp: pino.stdTimeFunctions.isoTime,
  }
  if (destination === undefined || !('pretty' in destination)) {
    return pino(options, destination)
  }
  const target = resolvePrettyPrinter()
  if (target === undefined) {
    const logger = pino(options, pino.destination(destination.pretty))
    logger.info('pino-pretty is not installed: logging JSON lines')
    return logger
  }
  return pino(
    options,
    pino.transport({
      target,
      options: {
        destination: destination.pretty,
        colorize: destination.pretty === 1,
        singleLine: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,service',
      },
    }),
  )
}

/** pino-pretty's entry file, or undefined when it is not installed (an image built without it). */
function resolvePrettyPrinter(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('pino-pretty')
  } catch {
    return undefined
  }
}

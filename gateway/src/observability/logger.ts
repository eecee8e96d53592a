import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino'

/** Paths removed at the logger, so a careless log call cannot leak a secret or a prompt. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.authorization',
  '*.cookie',
  '*.password',
  '*.new_password',
  '*.current_password',
  '*.value',
  '*.secret',
  '*.apiKey',
  '*.api_key',
  '*.token',
  '*.messages',
  '*.prompt',
  '*.input',
  '*.body',
]

export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'keygate' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  )
}

import type { Logger } from 'pino'

export interface ProcessErrorOptions {
  logger: Logger
  /** Called once, on the first uncaught exception, after it is logged: drain and exit non-zero. */
  onUncaughtException: () => void
}

/**
 * What an error that no code handled does to a running gateway; installed by `runGateway`, never on import.
 *
 * An unhandled rejection is a promise whose failure nobody awaited: a bug, but the failure is that one operation's
 * and the process is otherwise intact, so it is logged at error level and the gateway keeps serving (Node's
 * default would end the process and every request and stream in it).
 *
 * An uncaught exception unwound a stack at a point nobody planned for (a library's timer callback, say), and
 * Node's documentation says it is not safe to carry on after one: state half-updated may stay so. It is logged at
 * fatal level, then `onUncaughtException` drains the gateway as on SIGTERM (in-flight requests finish, `/readyz`
 * turns 503) and exits 1, so the supervisor (Kubernetes, systemd, a restart policy) starts a clean process.
 */
export function handleProcessErrors(options: ProcessErrorOptions): void {
  const { logger } = options
  let failing = false
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection; still serving')
  })
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; draining, then exiting')
    if (!failing) {
      failing = true
      options.onUncaughtException()
    }
  })
}

import type { Logger } from 'pino'
import { claimForServe, type ServeClaim } from './cli/embedded-access.js'
import type { Config } from './config.js'
import { closeDeps, createDeps, type Deps } from './deps.js'
import { handleProcessErrors } from './process-errors.js'
import { type RunningServer, startServer } from './server.js'

/** After an uncaught exception, how long closing may take past the grace period before the process just exits. */
const FATAL_EXIT_MARGIN_MS = 10_000

/**
 * Runs the gateway until SIGTERM/SIGINT: then stops accepting, lets in-flight requests and streams
 * finish for up to KEYGATE_SHUTDOWN_GRACE_MS (/readyz answers 503 meanwhile), writes the buffered usage, closes the
 * pools and exits 0. A second signal during the drain is ignored; Kubernetes follows with SIGKILL when its own
 * terminationGracePeriodSeconds runs out, so that period should exceed the grace period. An uncaught exception
 * drains the same way and exits 1; an unhandled rejection is logged (see process-errors.ts).
 */
export async function runGateway(config: Config, logger: Logger): Promise<void> {
  let deps: Deps | undefined
  let claim: ServeClaim | undefined
  let running: RunningServer | undefined
  let stopping = false
  const shutdown = async (reason: string, exitCode: number) => {
    if (stopping) {
      return
    }
    stopping = true
    logger.info({ reason, graceMs: config.shutdownGraceMs }, 'shutting down: draining requests')
    try {
      await running?.stop(config.shutdownGraceMs)
      logger.info('requests drained; writing usage and closing connections')
      if (deps !== undefined) {
        await closeDeps(deps)
      }
      await claim?.release()
    } catch (err) {
      logger.error({ err }, 'shutdown failed')
      process.exit(1)
    }
    logger.info('shutdown complete')
    process.exit(exitCode)
  }
  handleProcessErrors({
    logger,
    onUncaughtException: () => {
      setTimeout(() => process.exit(1), config.shutdownGraceMs + FATAL_EXIT_MARGIN_MS).unref()
      void shutdown('uncaughtException', 1)
    },
  })
  // The embedded database is one process's: refuse to start beside another holder, before opening it.
  claim = await claimForServe(config)
  try {
    deps = await createDeps(config, { logger })
  } catch (err) {
    await claim?.release()
    throw err
  }
  claim?.serve(deps.database)
  running = await startServer(deps, config.host, config.port)
  logger.info(
    { host: config.host, port: running.port, database: deps.database.kind },
    'keygate listening',
  )
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0))
  process.on('SIGINT', () => void shutdown('SIGINT', 0))
}

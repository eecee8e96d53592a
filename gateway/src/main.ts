import type { Logger } from 'pino'
import type { Config } from './config.js'
import { closeDeps, createDeps } from './deps.js'
import { startServer } from './server.js'

/**
 * Runs the gateway until SIGTERM/SIGINT: then stops accepting, lets in-flight requests and streams
 * finish for up to KEYGATE_SHUTDOWN_GRACE_MS (/readyz answers 503 meanwhile), writes the buffered usage, closes the
 * pools and exits 0. A second signal during the drain is ignored; Kubernetes follows with SIGKILL when its own
 * terminationGracePeriodSeconds runs out, so that period should exceed the grace period.
 */
export async function runGateway(config: Config, logger: Logger): Promise<void> {
  const deps = await createDeps(config, { logger })
  const running = await startServer(deps, config.host, config.port)
  logger.info(
    { host: config.host, port: running.port, database: deps.database.kind },
    'keygate listening',
  )
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) {
      return
    }
    stopping = true
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: draining requests')
    try {
      await running.stop(config.shutdownGraceMs)
      logger.info('requests drained; writing usage and closing connections')
      await closeDeps(deps)
    } catch (err) {
      logger.error({ err }, 'shutdown failed')
      process.exit(1)
    }
    logger.info('shutdown complete')
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

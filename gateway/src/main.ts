import type { Logger } from 'pino'
import type { Config } from './config.js'
import { closeDeps, createDeps } from './deps.js'
import { startServer } from './server.js'

/** Runs the gateway until SIGTERM/SIGINT, then drains and exits 0. */
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
    await running.stop(config.shutdownGraceMs)
    await closeDeps(deps)
    logger.info('shutdown complete')
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

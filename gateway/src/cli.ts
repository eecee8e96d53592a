import { databaseCommand } from './cli/commands.js'
import { runDatabaseCommand } from './cli/embedded-access.js'
import { parseConfig } from './config.js'
import { runGateway } from './main.js'
import { createLogger } from './observability/logger.js'

const USAGE = `Usage: keygate [command]

Commands:
  serve                          start the gateway (default)
  migrate                        run the pending database migrations and exit
  reset-admin-password [--password P]
                                 set a new password for user admin (generated and printed if omitted);
                                 also clears admin's failed logins
  unlock (--user NAME | --address IP | --all)
                                 clear failed-login counters on every running gateway
  keys create --user NAME --name NAME [--scope inference,management] [--models a,b]
              [--expires-in SECONDS] [--custom VALUE] [--description TEXT]
                                 create an API key and print its value once
  keys rotate --user NAME --name KEYNAME [--grace SECONDS] [--custom VALUE]
                                 give the key a new value and print it once; the old value works for
                                 --grace seconds (default 0, at most 604800)

Configuration comes from the environment; see README.md. On the embedded database (no DATABASE_URL) one process
opens the data directory: while a gateway serves it, the commands above are run by that gateway.`

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'serve'
  const rest = argv.slice(1)
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE)
    return 0
  }
  const parsed = parseConfig(process.env)
  if (!parsed.ok) {
    console.error(`keygate: invalid configuration:\n  ${parsed.problems.join('\n  ')}`)
    return 1
  }
  const config = parsed.config
  if (command === 'serve') {
    const logger = createLogger(config.logLevel, process.stdout.isTTY ? { pretty: 1 } : undefined)
    await runGateway(config, logger)
    return -1
  }
  const run = databaseCommand(command)
  if (run === undefined) {
    console.error(`keygate: unknown command ${command}\n\n${USAGE}`)
    return 2
  }
  if (command === 'keys' && rest[0] !== 'create' && rest[0] !== 'rotate') {
    console.error(USAGE)
    return 2
  }
  return runDatabaseCommand(config, command, run, rest)
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) {
      process.exit(code)
    }
  },
  (err: unknown) => {
    console.error('keygate: failed to start:', err instanceof Error ? err.message : err)
    process.exit(1)
  },
)

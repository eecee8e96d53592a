import { CompiledQuery, type DatabaseConnection, type Driver } from 'kysely'
import {
  PostgresJSDialect,
  type PostgresJSDialectConfig,
  PostgresJSDriver,
} from 'kysely-postgres-js'

/**
 * kysely-postgres-js 3.0.0 inherits Kysely's PostgresDriver.rollbackTransaction, which on a failed ROLLBACK calls
 * a method that only Kysely's own `pg` connections have. Its TypeError replaced the real error (the connection was
 * lost: 503 database_unavailable) with a 500 whenever Postgres went away in the middle of a transaction. Here a
 * failed ROLLBACK throws its own error; a connection that closed has already left the pool (postgres.js).
 */
class RollbackSafeDriver extends PostgresJSDriver {
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'))
  }
}

/** kysely-postgres-js's dialect with RollbackSafeDriver. */
export class KeygatePostgresJSDialect extends PostgresJSDialect {
  readonly #config: PostgresJSDialectConfig

  constructor(config: PostgresJSDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver(): Driver {
    return new RollbackSafeDriver(this.#config)
  }
}

import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/** The readable whole schema at the repository root. */
export const readSchemaSql = (): Promise<string> =>
  readFile(fileURLToPath(new URL('../../../schema.sql', import.meta.url)), 'utf8')

/** schema.sql as Keygate 0.1.0 shipped it; 0.1.0 applied it at every start and kept no migration table. */
export const readSchema010Sql = (): Promise<string> =>
  readFile(fileURLToPath(new URL('../fixtures/schema-0.1.0.sql', import.meta.url)), 'utf8')

// STUB (models helper replaces this file): upserts KEYGATE_MODELS_FILE entries as managed_by = 'file'.
import type { Kysely } from 'kysely'
import type { Tables } from '../db/tables.js'
import type { ModelSpec } from './models-file.js'

export async function applyModelsFile(
  _db: Kysely<Tables>,
  _models: readonly ModelSpec[],
): Promise<void> {}

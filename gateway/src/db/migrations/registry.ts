// Every migration, one line each, sorted by name. The export name is the migration's name, recorded in the
// kysely_migration table once it has run: never rename or edit a migration that has been released.
// How to add one, and what a migration may change during a rolling upgrade: docs/migrations.md.
export * as '0001_initial' from './0001_initial.js'
export * as '0002_model_routes' from './0002_model_routes.js'
export * as '0003_usage_outlives_keys' from './0003_usage_outlives_keys.js'
export * as '0004_limits' from './0004_limits.js'
export * as '0005_key_lifecycle' from './0005_key_lifecycle.js'
export * as '0007_model_prices' from './0007_model_prices.js'

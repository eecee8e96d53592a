-- Keygate schema: the whole of it in one place, for reading. Databases are built by the migrations in
-- gateway/src/db/migrations/ (`keygate migrate`, or the gateway at start), never from this file; a migration that
-- changes the schema changes this file too (new columns at the end of their table, where ALTER TABLE puts them).
-- Integration tests build one database from this file and one from the migrations and compare them, and compare
-- gateway/src/db/tables.ts with the result. How to add a migration: docs/migrations.md.

CREATE TABLE IF NOT EXISTS users (
  id bigserial PRIMARY KEY,
  username text NOT NULL UNIQUE,
  full_name text NOT NULL DEFAULT '',
  password_hash text NOT NULL,
  is_admin boolean NOT NULL DEFAULT false,
  is_active boolean NOT NULL DEFAULT true,
  require_password_change boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Limits (docs/limits.md): null = none. A request must pass its key's and its user's.
  rpm_limit integer CHECK (rpm_limit > 0),
  tpm_limit integer CHECK (tpm_limit > 0),
  max_parallel_requests integer CHECK (max_parallel_requests > 0),
  token_budget bigint CHECK (token_budget > 0),
  budget_period text CHECK (budget_period IN ('day', 'week', 'month'))
);

CREATE TABLE IF NOT EXISTS api_keys (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  key_hash text NOT NULL UNIQUE,
  access_key text,
  masked_value text NOT NULL,
  is_custom boolean NOT NULL DEFAULT false,
  scope text[] NOT NULL DEFAULT '{inference}',
  allowed_model_names text[] NOT NULL DEFAULT '{}',
  expires_at timestamptz,
  is_active boolean NOT NULL DEFAULT true,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  rpm_limit integer CHECK (rpm_limit > 0),
  tpm_limit integer CHECK (tpm_limit > 0),
  max_parallel_requests integer CHECK (max_parallel_requests > 0),
  token_budget bigint CHECK (token_budget > 0),
  budget_period text CHECK (budget_period IN ('day', 'week', 'month')),
  previous_key_hash text,
  previous_key_expires_at timestamptz,
  metadata jsonb NOT NULL DEFAULT '{}',
  allowed_ips text[] NOT NULL DEFAULT '{}',
  CONSTRAINT api_keys_owner_name_unique UNIQUE (user_id, name)
);
CREATE INDEX IF NOT EXISTS api_keys_user_id_idx ON api_keys (user_id);
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_previous_key_hash_idx ON api_keys (previous_key_hash);

CREATE TABLE IF NOT EXISTS models (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  backend text NOT NULL DEFAULT 'vllm' CHECK (backend IN ('vllm', 'llama.cpp', 'openai')),
  upstream_model_name text,
  access_policy text NOT NULL DEFAULT 'authed' CHECK (access_policy IN ('authed', 'allowed_users')),
  managed_by text NOT NULL DEFAULT 'api' CHECK (managed_by IN ('api', 'file')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- The proxied routes the model serves (e.g. '/v1/messages'); null = its backend's defaults.
  routes text[]
);

CREATE TABLE IF NOT EXISTS model_instances (
  id bigserial PRIMARY KEY,
  model_id bigint NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  url text NOT NULL,
  weight integer NOT NULL DEFAULT 1 CHECK (weight > 0),
  worker text NOT NULL DEFAULT '',
  api_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS model_instances_model_id_idx ON model_instances (model_id);

CREATE TABLE IF NOT EXISTS model_user_grants (
  model_id bigint NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (model_id, user_id)
);

CREATE TABLE IF NOT EXISTS usage_daily (
  api_key_id bigint NOT NULL,
  model text NOT NULL,
  day date NOT NULL,
  requests bigint NOT NULL DEFAULT 0,
  prompt_tokens bigint NOT NULL DEFAULT 0,
  completion_tokens bigint NOT NULL DEFAULT 0,
  errors bigint NOT NULL DEFAULT 0,
  -- Snapshots of the key's name and owner: usage outlives the key and the user (no foreign key).
  api_key_name text,
  user_id bigint,
  username text,
  -- Requests a limit refused before any engine saw them; not in `requests`, never in `errors`.
  refused bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (api_key_id, model, day)
);

CREATE TABLE IF NOT EXISTS audit_events (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_user_id bigint,
  actor_key_id bigint,
  action text NOT NULL,
  target_type text NOT NULL,
  target_id text,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS audit_events_at_idx ON audit_events (at);

CREATE TABLE IF NOT EXISTS settings (
  key text PRIMARY KEY,
  value text NOT NULL
);

-- Every change a cache must see writes a row here in the same transaction and NOTIFYs `keygate_cache`.
-- kind: 'key' (target = key hash), 'user' (target = user id), 'model' (target = model id or '*'),
-- 'login' (a login-throttle unlock: 'user:NAME', 'address:IP' or '*').
CREATE TABLE IF NOT EXISTS cache_events (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  target text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);

-- One row per gateway replica, renewed every 10 s: how a replica knows others are live (docs/limits.md).
CREATE TABLE IF NOT EXISTS replica_heartbeats (
  replica_id text PRIMARY KEY,
  shared_limits boolean NOT NULL,
  seen_at timestamptz NOT NULL DEFAULT now()
);
-- A model's price per million tokens, one row per change, in force from effective_from until the model's next row
-- (docs/usage.md: which price a day's usage is charged at).
CREATE TABLE IF NOT EXISTS model_prices (
  id bigserial PRIMARY KEY,
  model_id bigint NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  effective_from timestamptz NOT NULL DEFAULT now(),
  input_price_per_mtok numeric,
  output_price_per_mtok numeric
);
CREATE INDEX IF NOT EXISTS model_prices_model_from_idx ON model_prices (model_id, effective_from);

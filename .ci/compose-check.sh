#!/usr/bin/env bash
# Validates compose.yaml with Docker Compose itself when it is installed; the vitest checks in deploy/ (schema,
# the gateway's own config parser, references) run everywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
if docker compose version >/dev/null 2>&1; then
  # Placeholder secrets so `config` can resolve the files; nothing is started.
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/secrets"
  for s in database_url session_secret bootstrap_password postgres_password; do echo x > "$tmp/secrets/$s"; done
  cp compose.yaml "$tmp/"
  (cd "$tmp" && docker compose -f compose.yaml config --quiet)
  echo "compose-check: docker compose config passed"
else
  echo "compose-check: SKIPPED docker compose config: Docker Compose is not installed (the deploy/ vitest checks ran)."
fi

#!/usr/bin/env sh
# Installs the peer gateway (Portkey AI gateway 1.15.2) into bench/peer/node_modules, apart from Keygate's own
# dependencies. hono and @hono/node-server are pinned: with newer versions its streaming fails with
# HTTP 500 "TypeError: immutable".
set -eu
cd "$(dirname "$0")"
npm install --no-audit --no-fund --no-package-lock --omit=dev --loglevel=error
node -e "for (const p of ['@portkey-ai/gateway','hono','@hono/node-server']) console.log(p, JSON.parse(require('fs').readFileSync('node_modules/'+p+'/package.json','utf8')).version)"

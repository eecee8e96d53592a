#!/usr/bin/env node
// Runs the compiled CLI; `npm run build` (run by `npm start`) produces it.
import '../dist/gateway/src/cli.js'

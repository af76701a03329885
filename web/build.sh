#!/usr/bin/env bash
# Build the web front end (web/src, TypeScript + Preact) into smooth_gql/static/web, where
# the server serves it at `/`. The output is committed, so `pip install` needs no node; run
# this after changing anything under web/ or schema.graphql, and commit what it changes.
#   1. npm ci: the exact packages of package-lock.json
#   2. GraphQL Code Generator: types and documents (src/gql/) from ../schema.graphql and
#      src/**/*.graphql; the type check then holds every screen to the schema
#   3. vite build: fixed file names, no source maps, so the same sources give the same bytes
# Prints the first screen's JavaScript size, gzipped (the budget is 250 KB).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
npx graphql-codegen --config codegen.yml --silent
npx tsc --noEmit -p .
npx prettier --check --log-level warn "src/**/*.{ts,tsx,css}" vite.config.ts
npx vite build --logLevel warn
node -e '
const fs = require("fs"), zlib = require("zlib"), path = require("path");
const dir = "../smooth_gql/static/web";
const js = fs.readdirSync(dir).filter((f) => f.endsWith(".js"));
const bytes = js.reduce((sum, f) => sum + zlib.gzipSync(fs.readFileSync(path.join(dir, f)), { level: 9 }).length, 0);
console.log(`web: ${js.length} JavaScript file(s), ${(bytes / 1024).toFixed(1)} KB gzipped (budget 250 KB)`);
if (bytes > 250 * 1024) { console.error("web: over the 250 KB budget"); process.exit(1); }
'

#!/usr/bin/env bash
# Refresh the browser assets smooth-gql serves (GraphiQL at /graphql, Swagger UI at
# /api/v1/docs, ReDoc at /api/v1/redoc) from their published npm packages, pinned by
# package-lock.json. The copies are committed under smooth_gql/static/vendor, so
# `pip install` needs no node; run this only to change a version:
#     edit package.json, `npm install --package-lock-only`, then ui-assets/build.sh
# Only the smallest official prebuilt dist files are copied (no bundling, no source maps).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../smooth_gql/static/vendor"
cd "$here"
npm ci --no-audit --no-fund --ignore-scripts
rm -rf "$out"
mkdir -p "$out/graphiql" "$out/swagger-ui" "$out/redoc"
nm=node_modules
cp "$nm/react/umd/react.production.min.js" "$out/graphiql/"
cp "$nm/react-dom/umd/react-dom.production.min.js" "$out/graphiql/"
cp "$nm/graphiql/graphiql.min.js" "$nm/graphiql/graphiql.min.css" "$out/graphiql/"
cp "$nm/react/LICENSE" "$out/graphiql/LICENSE.react"
cp "$nm/graphiql/LICENSE" "$out/graphiql/LICENSE.graphiql"
cp "$nm/swagger-ui-dist/swagger-ui-bundle.js" "$nm/swagger-ui-dist/swagger-ui.css" "$out/swagger-ui/"
cp "$nm/swagger-ui-dist/LICENSE" "$nm/swagger-ui-dist/NOTICE" "$out/swagger-ui/"
cp "$nm/swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt" "$out/swagger-ui/"
cp "$nm/redoc/bundles/redoc.standalone.js" "$out/redoc/"
cp "$nm/redoc/LICENSE" "$nm/redoc/bundles/redoc.standalone.js.LICENSE.txt" "$out/redoc/"
# A bundle's last line may name its source map; the maps are not shipped, so that
# last line goes (sparing devtools a 404). Only a whole last line: the same text
# inside a bundle is code (redoc builds such comments at run time).
for f in "$out"/*/*.js "$out"/*/*.css; do
  sed -i -e '$ { /^\/\/# sourceMappingURL=[^ ]*\.map$/d; /^\/\*# sourceMappingURL=[^ ]*\.map \{0,1\}\*\/$/d }' "$f"
done
# ReDoc's sidebar footer shows Redocly's logo from cdn.redoc.ly, unconditionally (no
# option): offline that request fails and logs an error. Point it at an empty inline
# image; fail here if a new ReDoc moved it, so that the offline check is redone.
logo="https://cdn.redoc.ly/redoc/logo-mini.svg"
grep -q "$logo" "$out/redoc/redoc.standalone.js" || { echo "ReDoc's logo URL changed: check build.sh" >&2; exit 1; }
sed -i "s#$logo#data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E#" "$out/redoc/redoc.standalone.js"
# Versions actually copied, for the record (and the page's footer in `git log -p`).
node -e '
const names = ["react", "react-dom", "graphiql", "swagger-ui-dist", "redoc"];
for (const n of names) console.log(n + " " + require("./node_modules/" + n + "/package.json").version);
' > "$out/VERSIONS"
du -sh "$out"

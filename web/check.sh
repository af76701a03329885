#!/usr/bin/env bash
# CI: rebuild the web front end from its sources and lockfile, and fail when the result
# differs from what is committed (generated types in web/src/gql, assets in
# smooth_gql/static/web): someone changed a source, or schema.graphql, without rebuilding.
set -euo pipefail
cd "$(dirname "$0")/.."
web/build.sh
git status --porcelain -- web/src/gql smooth_gql/static/web | grep . && {
  echo "web: the committed build differs from a fresh one; run web/build.sh and commit" >&2
  git diff --stat -- web/src/gql smooth_gql/static/web >&2
  exit 1
}
echo "web: the committed build is current"

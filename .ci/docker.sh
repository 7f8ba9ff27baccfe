#!/usr/bin/env bash
# Prepares the Docker engine the sandbox tests and bench need:
#   1. installs docker.io and busybox-static when missing,
#   2. starts dockerd in the background when `docker info` fails,
#   3. waits (up to 60 s) for the engine,
#   4. builds the busybox test image `parley-sandbox-test` from scratch.
# Called by .ci/run as `bash .ci/docker.sh`. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=parley-sandbox-test

if ! command -v docker >/dev/null 2>&1 || ! command -v dockerd >/dev/null 2>&1 || ! dpkg -s busybox-static >/dev/null 2>&1; then
  echo "docker.sh: installing docker.io and busybox-static"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io busybox-static >/dev/null
fi

# A pid file left by an engine that was killed (e.g. when the previous session ended)
# stops dockerd from starting: remove it unless its process is really running.
stale_pidfile() {
  local file=$1 name=$2 pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file" 2>/dev/null || true)
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$name" ] && return 1
  return 0
}

if ! docker info >/dev/null 2>&1; then
  echo "docker.sh: starting dockerd (log: /tmp/dockerd.log)"
  if stale_pidfile /var/run/docker.pid dockerd; then rm -f /var/run/docker.pid; fi
  if stale_pidfile /var/run/docker/containerd/containerd.pid containerd; then
    rm -f /var/run/docker/containerd/containerd.pid
  fi
  dockerd --iptables=false --ip-masq=false --bridge=none > /tmp/dockerd.log 2>&1 &
fi

deadline=$((SECONDS + 60))
until docker info >/dev/null 2>&1; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "docker.sh: Docker engine not ready after 60 s; see /tmp/dockerd.log" >&2
    tail -n 20 /tmp/dockerd.log >&2 || true
    exit 1
  fi
  sleep 0.5
done

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp sandbox/test-image/Dockerfile "$context/Dockerfile"
cp "$(readlink -f /bin/busybox)" "$context/busybox"
DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" "$context" >/dev/null
echo "docker.sh: engine ready, image $IMAGE built"

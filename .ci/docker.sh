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

if ! docker info >/dev/null 2>&1; then
  echo "docker.sh: starting dockerd (log: /tmp/dockerd.log)"
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

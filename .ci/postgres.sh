#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for the tests: Debian's `postgresql` package (installed
# when missing), a cluster initdb'd into a temp folder, listening on loopback only, no
# system service. Prints `export PARLEY_TEST_POSTGRES_URL=…` and `export PARLEY_TEST_POSTGRES_DIR=…`
# for the caller to eval; `.ci/postgres.sh stop <dir>` stops it again.
#
#   eval "$(bash .ci/postgres.sh start)"   # then run the tests
#   bash .ci/postgres.sh stop "$PARLEY_TEST_POSTGRES_DIR"
set -euo pipefail

bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  echo "$dir"
}

# initdb and postgres refuse to run as root: run them as the package's `postgres` user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  if [ -z "$(bindir)" ]; then
    echo "postgres: installing postgresql" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    # The package starts a system cluster on Debian; the tests use their own.
    (service postgresql stop || true) >/dev/null 2>&1
  fi
  local bin port dir
  bin=$(bindir)
  # A free loopback port (other clusters may run on this machine).
  port=${PARLEY_TEST_POSTGRES_PORT:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
  dir=$(mktemp -d /tmp/parley-pg.XXXXXX)
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  trap 'echo "postgres: failed; server log:" >&2; cat "$dir/server.log" >&2 2>/dev/null || true' ERR
  as_owner "$bin/initdb" -D "$dir/data" -U parley --auth=trust -E UTF8 >"$dir/initdb.log"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >&2
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U parley parley_test
  echo "export PARLEY_TEST_POSTGRES_URL=postgres://parley@127.0.0.1:$port/parley_test"
  echo "export PARLEY_TEST_POSTGRES_DIR=$dir"
}

stop() {
  local dir=${1:?usage: postgres.sh stop <dir>}
  as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  rm -rf "$dir"
}

case "${1:-start}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: postgres.sh start | stop <dir>" >&2; exit 2 ;;
esac

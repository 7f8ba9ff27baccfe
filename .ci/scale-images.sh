#!/usr/bin/env bash
# Builds, without pulling anything, local stand-ins for the two public images that
# docker-compose.scale.yml names besides Parley's own, so test/deploy-scale.test.ts can
# run that file unchanged but for an override of `image:`:
#
#   parley-ci-postgres:15   PostgreSQL 15 from this machine's Debian package, FROM scratch,
#                           with an entrypoint that does what the official image's does
#                           for the keys the compose file uses (POSTGRES_USER, _PASSWORD,
#                           _DB: initdb with a password, then create the database) and
#                           `pg_isready` on PATH for the healthcheck
#   parley-ci-caddy:2       Caddy from Debian's `caddy` package, FROM scratch
#
# Each image holds the binaries, the shared libraries `ldd` lists for them, and
# busybox for a shell. Rebuilt only when its recipe (the stamp below) changes.
# Prints the two tags, one per line.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOCKER_BUILDKIT=0

postgres_tag=parley-ci-postgres:15
caddy_tag=parley-ci-caddy:2
pg=/usr/lib/postgresql/15
stamp=scale-2

if [ ! -x "$pg/bin/postgres" ] || ! command -v caddy >/dev/null 2>&1 || [ ! -x /usr/bin/busybox ]; then
  echo "scale-images: installing postgresql, caddy and busybox-static" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql caddy busybox-static >/dev/null
fi

label() { docker image inspect -f '{{index .Config.Labels "parley.base"}}' "$1" 2>/dev/null || true; }

# Copies files $2… and the libraries they load into the root filesystem $1.
copy_with_libs() {
  local dir=$1
  shift
  {
    printf '%s\n' "$@"
    for file in "$@"; do
      [ -f "$file" ] && ldd "$file" 2>/dev/null | grep -oE '/[^ ]+' || true
    done
  } | sort -u | while read -r path; do
    [ -e "$path" ] || continue
    mkdir -p "$dir$(dirname "$path")"
    cp -aL "$path" "$dir$path"
  done
}

# A root filesystem with busybox as /bin/sh and the accounts $2 (passwd lines).
base_rootfs() {
  local dir=$1 accounts=$2
  mkdir -p "$dir/usr/bin" "$dir/usr/lib" "$dir/usr/lib64" "$dir/usr/sbin" "$dir/etc" "$dir/tmp"
  chmod 1777 "$dir/tmp"
  for link in bin lib lib64 sbin; do [ -e "$dir/$link" ] || ln -s "usr/$link" "$dir/$link"; done
  cp /usr/bin/busybox "$dir/usr/bin/busybox"
  for applet in sh cat mkdir rm sleep; do ln -sf busybox "$dir/usr/bin/$applet"; done
  printf 'root:x:0:0:root:/root:/bin/sh\n%s\n' "$accounts" >"$dir/etc/passwd"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$dir/etc/nsswitch.conf"
}

# Builds image $1 from the root filesystem in $2 with the Dockerfile lines on stdin.
build_image() {
  local tag=$1 dir=$2 context
  context=$(mktemp -d)
  tar -C "$dir" -cf "$context/rootfs.tar" .
  { echo 'FROM scratch'; echo 'ADD rootfs.tar /'; cat; echo "LABEL parley.base=$stamp"; } >"$context/Dockerfile"
  docker build -q -t "$tag" "$context" >/dev/null
  rm -rf "$context"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "$(label "$postgres_tag")" != "$stamp" ]; then
  echo "scale-images: making $postgres_tag" >&2
  dir=$work/postgres
  base_rootfs "$dir" 'postgres:x:999:999::/var/lib/postgresql:/bin/sh'
  printf 'root:x:0:\npostgres:x:999:\n' >"$dir/etc/group"
  copy_with_libs "$dir" "$pg"/bin/* "$pg"/lib/*.so
  mkdir -p "$dir/usr/share/postgresql" "$dir/usr/share"
  cp -a /usr/share/postgresql/15 "$dir/usr/share/postgresql/15"
  cp -a /usr/share/zoneinfo "$dir/usr/share/zoneinfo"
  mkdir -p "$dir/var/lib/postgresql/data" "$dir/var/run/postgresql"
  chown -R 999:999 "$dir/var/lib/postgresql" "$dir/var/run/postgresql"
  chmod 700 "$dir/var/lib/postgresql/data"
  cat >"$dir/usr/bin/postgres-entrypoint" <<'EOF'
#!/bin/sh
# What the official image's entrypoint does for POSTGRES_USER/_PASSWORD/_DB.
set -e
data=/var/lib/postgresql/data
user=${POSTGRES_USER:-postgres}
if [ ! -s "$data/PG_VERSION" ]; then
  printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" >/tmp/pw
  initdb -D "$data" -U "$user" --pwfile=/tmp/pw --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C >/dev/null
  rm -f /tmp/pw
  echo 'host all all all scram-sha-256' >>"$data/pg_hba.conf"
  pg_ctl -D "$data" -o "-c listen_addresses=''" -w start >/dev/null
  db=${POSTGRES_DB:-$user}
  [ "$db" = postgres ] || createdb -U "$user" "$db"
  pg_ctl -D "$data" -m fast -w stop >/dev/null
fi
exec postgres -D "$data" -c listen_addresses='*'
EOF
  chmod 755 "$dir/usr/bin/postgres-entrypoint"
  build_image "$postgres_tag" "$dir" <<EOF
ENV PATH=$pg/bin:/usr/bin:/bin
USER postgres
ENTRYPOINT ["/usr/bin/postgres-entrypoint"]
EOF
fi

if [ "$(label "$caddy_tag")" != "$stamp" ]; then
  echo "scale-images: making $caddy_tag" >&2
  dir=$work/caddy
  base_rootfs "$dir" ''
  copy_with_libs "$dir" /usr/bin/caddy
  mkdir -p "$dir/etc/ssl/certs" "$dir/root"
  cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/"
  build_image "$caddy_tag" "$dir" <<'EOF'
ENV PATH=/usr/bin:/bin HOME=/root XDG_DATA_HOME=/data XDG_CONFIG_HOME=/config
CMD ["caddy", "run"]
EOF
fi

echo "$postgres_tag"
echo "$caddy_tag"

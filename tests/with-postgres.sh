#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster: initdb in a temporary directory, start on a
# free port (unix socket in that directory, TCP on 127.0.0.1 only), export
# ZHANQUN_TEST_DATABASE_URL, run the command, stop and delete the cluster whatever happens.
# Usage: tests/with-postgres.sh <command> [args…]
# PG_OPTS adds server options (tests/bench/pages.sh gives the cluster the shared buffers a
# production server would have).
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/initdb" ] || PGBIN=$(dirname "$(command -v initdb)")
dir=$(mktemp -d /tmp/zhanqun-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg=()
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root.
  chown postgres "$dir" 2>/dev/null || { useradd -r -m postgres && chown postgres "$dir"; }
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as_pg[@]}" "$PGBIN/initdb" -D "$dir/data" -N -A trust -U postgres -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log"; exit 1; }
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -w -l "$dir/server.log" \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 ${PG_OPTS:-}" start >/dev/null \
  || { cat "$dir/server.log"; exit 1; }
export ZHANQUN_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "throwaway PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"

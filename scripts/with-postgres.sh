#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster on loopback, then remove it.
#   scripts/with-postgres.sh --check      exit 0 if the server binaries are installed
#   scripts/with-postgres.sh CMD ARGS...  start a cluster, export SKILLPASS_TEST_DATABASE_URL, run CMD
# initdb and pg_ctl refuse to run as root, so as root they run as the postgres user.
set -euo pipefail

bindir=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && bindir="$d"
done
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then
  bindir="$(dirname "$(command -v initdb)")"
fi
if [ "${1:-}" = "--check" ]; then
  [ -n "$bindir" ]
  exit $?
fi
[ -n "$bindir" ] || { echo "PostgreSQL server binaries not found" >&2; exit 1; }

run_as=()
if [ "$(id -u)" -eq 0 ]; then
  run_as=(runuser -u postgres --)
fi
dir=$(mktemp -d /tmp/skillpass-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
port=${SKILLPASS_PG_PORT:-$(( 20000 + RANDOM % 20000 ))}

cleanup() {
  "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${run_as[@]}" "$bindir/initdb" -D "$dir/data" -U skillpass --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# Tests trade durability for speed; SKILLPASS_PG_DURABLE=1 (the load-and-fault run) keeps every commit
# on disk, so that a crash loses nothing that was acknowledged.
speed="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[ "${SKILLPASS_PG_DURABLE:-0}" = "1" ] && speed=""
"${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-k $dir -h 127.0.0.1 -p $port $speed -c max_connections=200" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

export SKILLPASS_TEST_DATABASE_URL="postgresql+psycopg://skillpass@127.0.0.1:$port/postgres"
# Where the cluster is, for a command that restarts it on purpose (bench/load.py).
export SKILLPASS_PG_BINDIR="$bindir" SKILLPASS_PG_DATADIR="$dir/data"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"

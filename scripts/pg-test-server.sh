#!/usr/bin/env bash
# Start (or reuse) a private PostgreSQL 15 cluster for the test suite and print its URL.
# Usage: scripts/pg-test-server.sh start|stop|url
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PGDIR="${PANHUO_PG_DIR:-$ROOT/.pgtest}"
PORT="${PANHUO_PG_PORT:-54329}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
URL="postgresql+psycopg://panhuo@127.0.0.1:${PORT}/postgres"
RUNAS=()
if [ "$(id -u)" = "0" ]; then RUNAS=(runuser -u postgres --); fi

case "${1:-url}" in
  start)
    [ -n "$BIN" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql-15)" >&2; exit 3; }
    mkdir -p "$PGDIR"
    [ "$(id -u)" = "0" ] && chown -R postgres "$PGDIR"
    if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
      "${RUNAS[@]}" "$BIN/initdb" -D "$PGDIR/data" -U panhuo --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! "${RUNAS[@]}" "$BIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
      "${RUNAS[@]}" "$BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w \
        -o "-p $PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
    fi
    echo "$URL" ;;
  stop)
    [ -n "$BIN" ] && "${RUNAS[@]}" "$BIN/pg_ctl" -D "$PGDIR/data" stop -m fast >/dev/null 2>&1 || true ;;
  url) echo "$URL" ;;
esac

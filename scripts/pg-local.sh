#!/usr/bin/env bash
# pg-local.sh start DIR | stop DIR — a throwaway PostgreSQL 15 cluster for the
# store tests, from Debian's package (scripts/install-deps.sh installs it).
#
# start: initdb in DIR/data (trust authentication, superuser "weir", database
# "weir", fsync off: for tests only), listening on a unix socket in DIR and on
# no TCP port; prints the connection URL on stdout. DIR must be empty or not
# exist. As root the server runs as the "postgres" user (PostgreSQL refuses
# root) and DIR is given to it; otherwise it runs as you.
# stop: stops the server at once. Removing DIR is the caller's business.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PORT=5432   # only names the socket file (DIR/.s.PGSQL.5432); no TCP port is opened

die() { echo "pg-local: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: pg-local.sh start|stop DIR"
cmd=$1
dir=$2
[ -x "$PGBIN/initdb" ] || die "no PostgreSQL in $PGBIN (run scripts/install-deps.sh)"
cd /   # the server user may not be allowed into the caller's directory

as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Percent-encode a path for the URL's host= parameter.
urlencode() {
  local s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9/._~-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

case $cmd in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  case $dir in *"'"* | *'\'*) die "$dir: quotes and backslashes are not supported in the path" ;; esac
  # A unix socket path is at most 107 bytes.
  [ $((${#dir} + 16)) -le 107 ] || die "$dir is too long for a unix socket path"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the postgres user (package postgresql)"
    chown postgres: "$dir"
    chmod 0700 "$dir"
    as_server test -w "$dir" || die "the postgres user cannot reach $dir (check its parent directories)"
  fi

  as_server "$PGBIN/initdb" -D "$dir/data" -U weir --auth=trust -E UTF8 --no-locale --no-sync \
    --no-instructions >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  cat >>"$dir/data/postgresql.conf" <<EOF

# pg-local.sh: a throwaway test cluster
listen_addresses = ''
port = $PORT
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
  as_server "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
    { cat "$dir/server.log" >&2 || true; die "the server did not start"; }
  "$PGBIN/createdb" -h "$dir" -p "$PORT" -U weir weir ||
    { as_server "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; die "createdb failed"; }
  echo "postgres://weir@/weir?host=$(urlencode "$dir")&port=$PORT"
  ;;
stop)
  dir=$(cd "$dir" 2>/dev/null && pwd -P) || die "no directory $2"
  [ -f "$dir/data/postmaster.pid" ] || exit 0   # not running
  as_server "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
  ;;
*)
  die "usage: pg-local.sh start|stop DIR"
  ;;
esac

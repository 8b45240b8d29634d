#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `start` creates one in a temporary folder on a free
# loopback port and prints the URL of its superuser (password authentication over TCP, so a wrong
# password is refused as in production); `stop DIR` stops it and deletes the folder; `pause DIR`
# and `resume DIR` stop and start it again on the same port with its data (a database outage).
# PostgreSQL refuses to run as root: as root, initdb and pg_ctl run as the `postgres` user.
#   url=$(scripts/pg-cluster.sh start)   # prints: postgres://postgres:PASS@127.0.0.1:PORT/postgres DIR
#   scripts/pg-cluster.sh stop DIR
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [[ -z "$bindir" ]]; then
    echo "pg-cluster: PostgreSQL's server is not installed (apt-get install postgresql-15)" >&2
    exit 1
fi

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    dir=$(mktemp -d /tmp/equipwatch-pg.XXXXXX)
    [[ $(id -u) -eq 0 ]] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
    echo "$password" > "$dir/.pw" && chmod 600 "$dir/.pw"
    [[ $(id -u) -eq 0 ]] && chown postgres "$dir/.pw"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --pwfile="$dir/.pw" --auth-host=scram-sha-256 \
        --auth-local=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    # Settings for a test cluster: loopback only, its socket in its own folder, no fsync (the
    # tests kill and restart it; durability is PostgreSQL's own, tested upstream).
    echo "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c full_page_writes=off -c max_connections=200" > "$dir/options"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$(cat "$dir/options")" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://postgres:$password@127.0.0.1:$port/postgres $dir"
    ;;
pause)
    dir=${2:?usage: pg-cluster.sh pause DIR}
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
resume)
    dir=${2:?usage: pg-cluster.sh resume DIR}
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$(cat "$dir/options")" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    ;;
stop)
    dir=${2:?usage: pg-cluster.sh stop DIR}
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: pg-cluster.sh start | pause DIR | resume DIR | stop DIR" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# What a cluster costs on this machine: 1, 2 and 3 nodes of `equipwatch run` on one PostgreSQL
# (scripts/pg-cluster.sh: fsync off) and one mosquitto, the sample fleet simulated at RATE msg/s for
# DURATION seconds. Prints, per node count: messages stored and the database's growth a reading, each node's CPU, the nodes' CPU per
# message and PostgreSQL's CPU per stored reading (every PostgreSQL process, from /proc). The simulator's
# own CPU is not counted. On 2 cores expect no gain from more nodes (docs/cluster.md, "Capacity").
#   scripts/cluster-bench.sh            # RATE=3000 DURATION=30 NODES="1 2 3"
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${EQUIPWATCH_BIN:-.build/release/equipwatch}
rate=${RATE:-3000}
duration=${DURATION:-30}
psql=$(ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)
[[ -x "$bin" ]] || { echo "cluster-bench: build it first: swift build -c release" >&2; exit 1; }

work=$(mktemp -d /tmp/equipwatch-cluster-bench.XXXXXX)
read -r url pgdir <<< "$(scripts/pg-cluster.sh start)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 100\n' "$port" > "$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
broker=$!
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    kill "$broker" 2>/dev/null || true
    scripts/pg-cluster.sh stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

ticks() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
pg_pids() { pgrep -P "$(head -1 "$pgdir/data/postmaster.pid")" | tr '\n' ' '; head -1 "$pgdir/data/postmaster.pid"; }
hz=$(getconf CLK_TCK)

for n in ${NODES:-1 2 3}; do
    db="bench_$n"
    "$psql" "$url" -qc "CREATE DATABASE $db" >/dev/null
    store="${url%/postgres}/$db?sslmode=disable"
    printf 'cluster:\n  partitions: 8\n  lease_timeout: 4s\n  heartbeat: 1s\n  name: bench%s\n' "$n" > "$work/c$n.yaml"
    pids=()
    for i in $(seq 1 "$n"); do
        mkdir -p "$work/n$n-$i"
        http=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        "$bin" run --node "n$i" --config "$work/c$n.yaml" --store "$store" --broker "127.0.0.1:$port" --data "$work/n$n-$i" \
            --http "127.0.0.1:$http" > "$work/n$n-$i/run.log" 2>&1 &
        pids+=($!)
    done
    # Every partition held by a live node.
    for _ in $(seq 1 120); do
        if "$bin" cluster status --store "$store" --json 2>/dev/null | python3 -c '
import json, sys
v = json.load(sys.stdin)
sys.exit(0 if not v["free"] and sum(1 for x in v["nodes"] if x["live"] and x["partitions"]) == int(sys.argv[1]) else 1)' "$n" 2>/dev/null; then break; fi
        sleep 0.5
    done
    count() { "$psql" "$store" -tAc "SELECT COUNT(*) FROM readings_flat"; }
    size() { "$psql" "$store" -tAc "SELECT pg_database_size(current_database())"; }
    before=$(count)
    bytes_before=$(size)
    node_before=(); for p in "${pids[@]}"; do node_before+=("$(ticks "$p")"); done
    pg_before=$(ticks $(pg_pids))
    "$bin" simulate --rate "$rate" --duration "$duration" --broker "127.0.0.1:$port" --data "$work/sim$n" > "$work/sim$n.log" 2>&1
    # Drained: the count stops moving.
    last=-1; now=$(count)
    while [[ "$now" != "$last" ]]; do last=$now; sleep 1; now=$(count); done
    stored=$((now - before))
    bytes=$(( ($(size) - bytes_before) / (stored > 0 ? stored : 1) ))
    pg_after=$(ticks $(pg_pids))
    line="nodes $n: $stored readings stored in ${duration} s at $rate msg/s offered ($bytes bytes a reading in the database);"
    total=0
    for i in "${!pids[@]}"; do
        used=$(( $(ticks "${pids[$i]}") - node_before[$i] ))
        total=$((total + used))
        line+=" n$((i + 1)) $(( used * 1000 / hz )) ms CPU,"
    done
    python3 - "$line" "$total" "$((pg_after - pg_before))" "$stored" "$hz" <<'PY'
import sys
line, nodes, pg, stored, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
per = lambda t: t / hz * 1e6 / max(1, stored)
print(f"{line} nodes {per(nodes):.1f} µs CPU a message, PostgreSQL {per(pg):.1f} µs CPU a reading")
PY
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
done

#!/usr/bin/env bash
# Resident memory of `equipwatch run` on a fleet cloned from the sample (docs/design.md, "Memory
# at 100 k devices, cloned from the sample"): start to connected, RSS when idle, then every device
# sends one message (`equipwatch simulate`) and the RSS once the process has settled.
#
#   ./scripts/fleet-memory.sh [DEVICES]        (default 100000; needs a release build;
#                                               KEEP_WORK=1 keeps the folder, for heaptrack)
#
# It starts twice on one data folder: first from empty (the registry parsed from the YAML and
# imported), then again with the files unchanged (the registry read from the store).
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-100000}
bin=${EQUIPWATCH:-.build/release/equipwatch}
work=$(mktemp -d /tmp/ew-fleet-memory.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
http=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
broker_pid='' run_pid=''
cleanup() {
    [ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null || true
    [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
    if [ -n "${KEEP_WORK:-}" ]; then echo "fleet-memory: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

cp -r Devices "$work/Devices"
python3 scripts/clone_fleet.py --devices "$devices" --gateways $(( (devices + 99) / 100 )) \
    < Devices/fleet/tianjin.yaml > "$work/Devices/fleet/tianjin.yaml"
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n' "$port" > "$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" > "$work/broker.log" 2>&1 &
broker_pid=$!

rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$run_pid/status"; }
# Idle: the RSS has not moved by more than 1 MB for 5 s (the first risk grading and compliance
# check done; or, after the messages, their commits and gradings).
settle() {
    local last=0 same=0 now
    for _ in $(seq 1 120); do
        now=$(rss)
        if [ $(( now - last )) -le 1 ] && [ $(( last - now )) -le 1 ]; then same=$((same + 1)); else same=0; fi
        last=$now
        [ $same -ge 5 ] && break
        sleep 1
    done
    echo "$last"
}
rate=12500
# One start: to connected, idle, every device's message, settled. $1 names it.
measure() {
    local started connected idle spoke log="$work/run-$1.log"
    started=$(date +%s.%N)
    "$bin" run --broker "127.0.0.1:$port" --http "127.0.0.1:$http" --data "$work/data" --devices "$work/Devices" --rules Rules \
        > "$log" 2>&1 &
    run_pid=$!
    until grep -q 'connected to the broker' "$log" 2>/dev/null; do
        kill -0 "$run_pid" 2>/dev/null || { echo "equipwatch run stopped:"; tail -20 "$log"; exit 1; }
        sleep 0.2
    done
    connected=$(date +%s.%N)
    idle=$(settle)
    "$bin" simulate --broker "127.0.0.1:$port" --devices "$work/Devices" --rate "$rate" --duration $(( devices / rate + 1 )) \
        > "$work/simulate.log" 2>&1 || { echo "simulate failed:"; tail -5 "$work/simulate.log"; exit 1; }
    spoke=$(settle)
    printf 'fleet-memory: %s, %d devices cloned from the sample: start to connected %.1f s; RSS idle %d MB; after every device spoke %d MB (peak %s MB)\n' \
        "$1" "$devices" "$(echo "$connected - $started" | bc)" "$idle" "$spoke" \
        "$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$run_pid/status")"
    kill "$run_pid"
    wait "$run_pid" 2>/dev/null || true
    run_pid=''
}
measure "first start (the registry parsed and imported)"
measure "restart (the registry read from the store)"

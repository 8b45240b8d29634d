#!/usr/bin/env bash
# The main job on one machine: a local broker on loopback, the pipeline with the sample fleet and
# SQLite in ./data, and the simulator feeding it (with a trapped elevator and some garbage).
# Ctrl-C stops everything cleanly. DEMO_SECONDS=N stops after N seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${EQUIPWATCH_BROKER_PORT:-1883}
HTTP_PORT=${EQUIPWATCH_HTTP_PORT:-8080}
# Refuse before touching anything when the ports or the data folder are taken (a second demo).
taken() { python3 -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null && return 1 || return 0; }
for p in "$PORT" "$HTTP_PORT"; do
  if taken "$p"; then
    echo "demo: port $p on 127.0.0.1 is already in use (another demo, broker or server?)." >&2
    echo "      Stop it, or run this one elsewhere: EQUIPWATCH_BROKER_PORT=1884 EQUIPWATCH_HTTP_PORT=8081 ./scripts/demo.sh" >&2
    echo "      (a second demo also needs its own clone or data folder)" >&2
    exit 1
  fi
done
if [ -f data/equipwatch.lock ] && ! flock -n data/equipwatch.lock true 2>/dev/null; then
  echo "demo: data/ is in use by another equipwatch run (pid $(cat data/equipwatch.lock 2>/dev/null)); stop it first." >&2
  exit 1
fi
./scripts/setup.sh
swift build -c release
BIN=.build/release/equipwatch
mkdir -p data/broker
sed -e "s|@PORT@|$PORT|" -e "s|@DIR@|$PWD/data/broker|" deploy/mosquitto.local.conf > data/broker/mosquitto.conf
[ "$(id -u)" -eq 0 ] && echo "user root" >> data/broker/mosquitto.conf
MOSQ=$(command -v mosquitto || echo /usr/sbin/mosquitto)
# The broker in a session of its own: Ctrl-C reaches the script, not the broker, so the simulator
# and the pipeline stop first, with a broker to say goodbye to, and the broker last.
setsid "$MOSQ" -c data/broker/mosquitto.conf > data/broker/mosquitto.out 2>&1 &
BROKER=$!
SIM=""; PIPE=""
stop() {
  trap - EXIT INT TERM
  if [ -n "$SIM$PIPE" ]; then
    echo "demo: stopping the simulator and the pipeline (it commits what it has received)..." >&2
    kill -TERM $SIM $PIPE 2>/dev/null || true
    wait $SIM $PIPE 2>/dev/null || true
  fi
  echo "demo: stopping the broker; stopped. The store stays in data/, the pipeline's log in data/run.log." >&2
  kill -TERM $BROKER 2>/dev/null || true
  wait $BROKER 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 50); do taken "$PORT" && break; sleep 0.1; done
if ! taken "$PORT"; then
  echo "demo: mosquitto did not start on port $PORT; its log:" >&2
  tail -20 data/broker/mosquitto.out data/broker/mosquitto.log 2>/dev/null >&2 || true
  exit 1
fi
# The store, before the pipeline starts: made with the sample fleet the first time, brought up to
# this binary's schema (after a backup) when an older demo left it.
if [ -f data/equipwatch.sqlite ]; then
  "$BIN" store migrate --data data
else
  "$BIN" devices import --data data Devices/fleet/tianjin.yaml > /dev/null
fi
# The sample fleet's people: workers' certificates and the owners' liability insurance (imported
# again on each start: the files are the sample's source; edits through the API keep other numbers).
"$BIN" certificates import --data data --by demo Devices/people/certificates.yaml > /dev/null
"$BIN" insurance import --data data --by demo Devices/people/insurance.yaml > /dev/null
# Owners' safety staff (SAMR Order 74: principal, safety director, safety officers) for four sample
# owners: their daily, weekly and monthly records are owed from the day they were first named.
while IFS='|' read -r OWNER PRINCIPAL DIRECTOR CERT OFFICERS; do
  set -- $OFFICERS
  ARGS=(); for O in "$@"; do ARGS+=(--safety-officer "$O"); done
  "$BIN" routine staff set --data data --owner "$OWNER" --principal "$PRINCIPAL" --safety-director "$DIRECTOR" --director-cert "$CERT" "${ARGS[@]}" > /dev/null
done <<'STAFF'
owner-heping-garden-pm|张伟|杨帆|TJ-A-2025-2102|李娜 王芳
owner-tianjin-hospital|刘强|许文|TJ-A-2024-2101|陈静
owner-jinghai-gas|赵刚|宋佳|TJ-A-2024-2103|孙丽 周敏
owner-nankai-edu|钱明|唐亮|TJ-A-2023-2104|吴婷
STAFF
# The pipeline's log is kept across starts (appended, with a line marking each start).
echo "==== demo start $(date -Is) ====" >> data/run.log
"$BIN" run --broker 127.0.0.1:$PORT --http 127.0.0.1:$HTTP_PORT --data data 2>> data/run.log &
PIPE=$!
for _ in $(seq 1 100); do
  python3 -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "http://127.0.0.1:$HTTP_PORT/healthz" 2>/dev/null && break
  if ! kill -0 $PIPE 2>/dev/null; then
    echo "demo: equipwatch run stopped at start; data/run.log says:" >&2
    tail -5 data/run.log >&2
    exit 1
  fi
  sleep 0.1
done
if ! "$BIN" routine --data data --json | grep -q '"id"'; then
  "$BIN" routine record --data data --owner owner-heping-garden-pm --kind daily --by 李娜 \
    --findings "36 elevators checked: emergency phones answered, no door faults" > /dev/null
fi
"$BIN" simulate --broker 127.0.0.1:$PORT --rate 300 --fault trapped --fault garbage:2 --fault out_of_order \
  ${DEMO_SECONDS:+--duration $DEMO_SECONDS} &
SIM=$!
# The demo's supervisor token is kept in data/demo.token (readable by you only) and reused while it
# works, so restarts do not pile up tokens; a new one expires in 30 days.
TOKEN=""
if [ -s data/demo.token ]; then
  TOKEN=$(cat data/demo.token)
  python3 -c 'import sys,urllib.request; r=urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]}); urllib.request.urlopen(r, timeout=2)' \
    "http://127.0.0.1:$HTTP_PORT/v1/me" "$TOKEN" 2>/dev/null || TOKEN=""
fi
if [ -z "$TOKEN" ]; then
  TOKEN=$("$BIN" tokens create --data data --role supervisor --name demo --expires "$(date -u -d "30 days" +%Y-%m-%dT%H:%M:%SZ)")
  (umask 077; printf '%s\n' "$TOKEN" > data/demo.token)
fi
# One historical accident for the yearly report (once per data folder): a passenger injured by an
# elevator door 100 days ago, reported late by its owner.
if ! "$BIN" accidents --data data --json | grep -q '"id"'; then
  ELEVATOR=$("$BIN" devices --data data --type elevator --limit 1 --csv | sed -n 2p | cut -d, -f1)
  "$BIN" accidents record --data data --device "$ELEVATOR" --at "$(date -d "100 days ago" +%Y-%m-%d) 14:30" --serious-injuries 1 --loss-cny 20000 \
    --summary "the car door closed on a passenger at the lobby; door protection found disabled" --by "demo: the owner's safety officer" > /dev/null
fi
cat <<MSG
EquipWatch is running: broker 127.0.0.1:$PORT, store data/equipwatch.sqlite, pipeline log data/run.log.
Web console: open http://127.0.0.1:$HTTP_PORT/ and sign in with this supervisor token (the demo's, kept in data/demo.token, valid 30 days):
  $TOKEN
  A firm's or an owner's console: $BIN tokens create --data data --role firm:firm-haihe (or owner:owner-nankai-edu)
Look at it from another terminal:
  $BIN devices --data data --type elevator --limit 10
  $BIN readings --data data --device \$($BIN devices --data data --type boiler --limit 1 --csv | sed -n 2p | cut -d, -f1)
  $BIN events --data data          # seq gaps, band excursions, the trapped elevator
  $BIN deadletters --data data     # the garbage, each with its reason
  $BIN alarms --data data --state open
  $BIN devices --data data --grade red      # risk grades; devices show ID explains one
  $BIN notices --data data --firm firm-haihe
  $BIN maintenance done --data data --device ID --firm FIRM --items lubrication --worker-cert NUMBER   # an elevator: a T certificate of the firm
  $BIN certificates --data data --expiring-within 90; $BIN insurance --data data; $BIN insurance coverage --data data
  $BIN routine compliance --data data; $BIN routine staff --data data   # owners' daily/weekly/monthly records (SAMR Order 74)
  $BIN accidents --data data; $BIN stats --data data --year $(date +%Y)   # accidents by class, the yearly report
  $BIN audit verify --data data    # the evidence chain: timelines, evidence, accidents unedited since sealed
The HTTP API is on the same port, with the same token:
  curl -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$HTTP_PORT/v1/alarms?state=open"
  (more tokens: $BIN tokens create --data data --role firm:firm-haihe; routes in docs/api.md)
Ctrl-C to stop.
MSG
wait $SIM || true

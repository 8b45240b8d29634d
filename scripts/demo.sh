#!/usr/bin/env bash
# The main job on one machine: a local broker on loopback, the pipeline with the sample fleet and
# SQLite in ./data, and the simulator feeding it (with a trapped elevator and some garbage).
# Ctrl-C stops everything cleanly. DEMO_SECONDS=N stops after N seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build -c release
BIN=.build/release/equipwatch
PORT=${EQUIPWATCH_BROKER_PORT:-1883}
mkdir -p data/broker
sed -e "s|@PORT@|$PORT|" -e "s|@DIR@|$PWD/data/broker|" deploy/mosquitto.local.conf > data/broker/mosquitto.conf
[ "$(id -u)" -eq 0 ] && echo "user root" >> data/broker/mosquitto.conf
MOSQ=$(command -v mosquitto || echo /usr/sbin/mosquitto)
"$MOSQ" -c data/broker/mosquitto.conf > data/broker/mosquitto.out 2>&1 &
BROKER=$!
trap 'kill -TERM $SIM $PIPE 2>/dev/null; wait $SIM $PIPE 2>/dev/null; kill -TERM $BROKER; wait $BROKER 2>/dev/null' EXIT
sleep 0.5
"$BIN" run --broker 127.0.0.1:$PORT --data data 2> data/run.log &
PIPE=$!
sleep 1
"$BIN" simulate --broker 127.0.0.1:$PORT --rate 300 --fault trapped --fault garbage:2 --fault out_of_order \
  ${DEMO_SECONDS:+--duration $DEMO_SECONDS} &
SIM=$!
TOKEN=$("$BIN" tokens create --data data --role supervisor --name demo)
cat <<MSG
EquipWatch is running: broker 127.0.0.1:$PORT, store data/equipwatch.sqlite, pipeline log data/run.log.
Web console: open http://127.0.0.1:8080/ and sign in with this supervisor token (made for this demo):
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
  $BIN maintenance done --data data --device ID --firm FIRM --items lubrication
The HTTP API is on the same port, with the same token:
  curl -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:8080/v1/alarms?state=open"
  (more tokens: $BIN tokens create --data data --role firm:firm-haihe; routes in docs/api.md)
Ctrl-C to stop.
MSG
wait $SIM || true
